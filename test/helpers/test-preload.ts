/**
 * Loaded once before any test file (bunfig.toml [test] preload). `bun test` runs every file in
 * one process, so the o200k tokenizer, which the gateway loads on its first usage estimate, would
 * otherwise load inside whichever test estimates first: a synchronous 0.3-0.8 s (several seconds
 * on a loaded CI machine) that blocks the event loop in the middle of that test's timers and
 * waits. Loading it here takes that one-time cost out of every test.
 */
import { countTextTokens } from '../../src/usage/estimate-usage';

countTextTokens('warm up');
