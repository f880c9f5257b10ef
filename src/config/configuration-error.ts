/** A setting or the machine prevents the boot: main prints its message as one line and exits 1. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}
