/**
 * piscina's worker entry, CommonJS on purpose: piscina require()s its worker file first,
 * and Node 20's require() of an ES module can abort the whole process with a V8 fatal
 * error ("IsGraphAsync must be used on an instantiated module") when it races with a
 * load of the same graph. A CommonJS file never takes that path; the ESM worker is
 * loaded once, with import().
 */
type Run = (msg: { name: string; input: unknown }) => Promise<unknown>;

let loaded: Promise<{ default: Run }> | undefined;

export = async function run(msg: { name: string; input: unknown }): Promise<unknown> {
  loaded ??= import('./worker.js') as Promise<{ default: Run }>;
  return (await loaded).default(msg);
};
