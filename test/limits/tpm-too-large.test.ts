/** The words of a too-large TPM refusal (tpm-too-large.ts): in-memory counters. */
import { setDefaultTimeout, test } from 'bun:test';
import { useLimitsRig } from './limits-helpers';
import { tooLargeNamesTheAskedField, tooLargeWithoutMaxTokensSaysSo } from './tpm-too-large';

setDefaultTimeout(30_000);

const rig = useLimitsRig();

test('a request too large for its TPM through its output cap is told the prompt estimate and the field that asked the output', () => tooLargeNamesTheAskedField(rig(), 'tpm-large-asked'));
test('a request too large for its TPM that names no max_tokens is not told about max_tokens: only its prompt estimate was counted', () => tooLargeWithoutMaxTokensSaysSo(rig(), 'tpm-large-unasked'));
