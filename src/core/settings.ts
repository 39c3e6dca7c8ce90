import { cleanEnv, makeExactValidator, str, type CleanedEnv, type ValidatorSpec } from 'envalid';

/** A module's environment variables: each with its parser, default and `desc` (the README table's text). */
export type SettingsSpec = Record<string, ValidatorSpec<unknown>>;

/** Typed values of a spec, as read at start-up. */
export type SettingsOf<S extends SettingsSpec> = Omit<CleanedEnv<S>, keyof CleanedEnvFlags>;
type CleanedEnvFlags = { isDevelopment: 1; isDev: 1; isTest: 1; isProduction: 1; isProd: 1 };

function integerAtLeast(min: number) {
  return makeExactValidator<number>((input) => {
    const value = Number(input);
    if (input.trim() === '' || !Number.isSafeInteger(value) || value < min)
      throw new Error(`must be an integer ≥ ${min}, got "${input}"`);
    return value;
  });
}

/** A whole number ≥ 0. */
export const count = integerAtLeast(0);
/** A whole number ≥ 1. */
export const positive = integerAtLeast(1);

/** `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`). */
export const flag = makeExactValidator<boolean>((input) => {
  const value = input.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new Error(`must be true or false, got "${input}"`);
});

export { str as text };

/** Every setting of the service, validated once at start-up and handed to the modules. */
export class Settings {
  private constructor(
    private readonly values: Readonly<Record<string, unknown>>,
    /** The specs read, in order: the README table is checked against them. */
    readonly specs: readonly SettingsSpec[],
  ) {}

  /**
   * Reads and validates every variable of every spec at once; an empty variable counts as unset.
   * @throws Error naming each malformed variable, or a name claimed by two specs.
   */
  static read(env: NodeJS.ProcessEnv, specs: readonly SettingsSpec[]): Settings {
    const merged: SettingsSpec = {};
    for (const spec of specs)
      for (const [name, validator] of Object.entries(spec)) {
        if (name in merged) throw new Error(`${name} is declared by two modules`);
        merged[name] = validator;
      }
    const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
    const cleaned = cleanEnv(given, merged, {
      reporter: ({ errors }) => {
        const problems = Object.entries(errors).map(([name, error]) => `${name} ${(error as Error).message}`);
        if (problems.length > 0) throw new Error(`invalid configuration: ${problems.join('; ')}`);
      },
    }) as Record<string, unknown>;
    return new Settings(Object.fromEntries(Object.keys(merged).map((name) => [name, cleaned[name]])), specs);
  }

  /** The values of one spec (it must have been read). */
  of<S extends SettingsSpec>(spec: S): SettingsOf<S> {
    if (!this.specs.includes(spec)) throw new Error('these settings were not read at start-up');
    return Object.fromEntries(Object.keys(spec).map((name) => [name, this.values[name]])) as SettingsOf<S>;
  }
}
