/**
 * The one argument parser of every verb. Options are declared per verb; what they accept is the same
 * everywhere: `--name value`, `--name=value`, repeatable options, and (for lists such as `--run a b`)
 * variadic options that take the values following them up to the next option. Every misuse is an
 * InputError naming the verb's usage, so the CLI exits 2 with one line.
 */
import {InputError} from "../engine/errors.ts";

export interface OptionSpec {
  type: "string" | "boolean";
  /** may be given more than once (values accumulate; comma-separated values split) */
  multiple?: boolean;
  /** takes every following argument up to the next option (implies multiple) */
  variadic?: boolean;
  default?: string | boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean"
  ? boolean
  : S["multiple"] extends true
    ? string[]
    : S["variadic"] extends true
      ? string[]
      : S["default"] extends string
        ? string
        : string | undefined;

export type ParsedOptions<S extends OptionSpecs> = {[K in keyof S]: ValueOf<S[K]>};

export interface VerbArguments<S extends OptionSpecs> {
  values: ParsedOptions<S>;
  positionals: string[];
}

export function usageError(message: string, usage: string): InputError {
  return new InputError(message, {expected: usage.replace(/^usage:\s*/i, "")});
}

export function parseVerbArguments<S extends OptionSpecs>(
  argv: readonly string[],
  spec: {usage: string; options: S; positionals?: {min?: number; max?: number; what?: string}}
): VerbArguments<S> {
  const values: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    values[name] = o.multiple || o.variadic ? [] : o.type === "boolean" ? (o.default ?? false) : o.default;
  }
  const positionals: string[] = [];
  let variadic: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      if (variadic) (values[variadic] as string[]).push(...arg.split(",").filter(Boolean));
      else positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = (eq > 0 ? arg.slice(0, eq) : arg).replace(/^--?/, "");
    const option = arg.startsWith("--") ? spec.options[name] : undefined;
    if (!option) throw usageError(`unknown option ${eq > 0 ? arg.slice(0, eq) : arg}`, spec.usage);
    variadic = null;
    if (option.type === "boolean") {
      if (eq > 0) throw usageError(`--${name} takes no value`, spec.usage);
      values[name] = true;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    // a negative number is a value (for the verb to refuse with what it expects), any other dash word an option
    if (value === undefined || (eq < 0 && value.startsWith("-") && value !== "-" && !/^-\d/.test(value))) throw usageError(`--${name} needs a value`, spec.usage);
    if (option.multiple || option.variadic) {
      (values[name] as string[]).push(...value.split(",").filter(Boolean));
      if (option.variadic && eq < 0) variadic = name;
    } else values[name] = value;
  }
  const {min = 0, max = Infinity, what = "argument"} = spec.positionals ?? {};
  if (positionals.length < min) throw usageError(`no ${what} given`, spec.usage);
  if (positionals.length > max) throw usageError(`unexpected argument '${positionals[max]}'`, spec.usage);
  return {values: values as ParsedOptions<S>, positionals};
}

/** A number option: finite, positive, whole when asked. */
export function numberOption(flag: string, value: string | undefined, kind: "whole" | "seconds" | "port"): number {
  const n = Number(value);
  const ok =
    value !== undefined &&
    value.trim() !== "" &&
    Number.isFinite(n) &&
    (kind === "port" ? Number.isInteger(n) && n >= 0 && n <= 65535 : n > 0 && (kind !== "whole" || Number.isInteger(n)));
  if (!ok) {
    const expected = kind === "whole" ? "a whole number of at least 1" : kind === "port" ? "a port number (0-65535)" : "a positive number of seconds";
    throw new InputError(`${flag} ${value ?? "(missing)"}`, {expected});
  }
  return n;
}
