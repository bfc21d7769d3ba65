/** The words of a too-large TPM refusal (limits/tpm-too-large.ts): Redis counters. */
import { setDefaultTimeout, test } from 'bun:test';
import { useRedisLimitsRig } from '../limits/limits-helpers';
import { tooLargeNamesTheAskedField, tooLargeWithoutMaxTokensSaysSo } from '../limits/tpm-too-large';

setDefaultTimeout(30_000);

/** The rig on Redis counters under a key prefix of this file's own. */
const rig = useRedisLimitsRig();

test('a request too large for its TPM through its output cap is told the prompt estimate and the field that asked the output (Redis)', () => tooLargeNamesTheAskedField(rig(), 'tpm-large-asked'));
test('a request too large for its TPM that names no max_tokens is not told about max_tokens (Redis)', () => tooLargeWithoutMaxTokensSaysSo(rig(), 'tpm-large-unasked'));
