import type { Config } from '../../config/index.js';
import { startSandboxProcessor, type SandboxProcessor } from './server.js';

/**
 * Without PAYMENT_PROCESSOR_URL, starts the built-in sandbox processor in this process, on
 * loopback, and returns the configuration pointed at it; otherwise the configuration as it is.
 */
export async function sandboxWhenUnset(
  loaded: Config,
): Promise<{ config: Config; sandbox: SandboxProcessor | undefined }> {
  if (loaded.processor.url !== undefined) return { config: loaded, sandbox: undefined };
  const sandbox = await startSandboxProcessor({ host: '127.0.0.1' });
  return { config: { ...loaded, processor: { ...loaded.processor, url: sandbox.url } }, sandbox };
}
