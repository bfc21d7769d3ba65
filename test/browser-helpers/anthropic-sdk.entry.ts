/** Bundled for Chromium by tests that run the official Anthropic SDK in a page (window.Anthropic). */
import Anthropic from '@anthropic-ai/sdk';

(globalThis as unknown as { Anthropic: typeof Anthropic }).Anthropic = Anthropic;
