/** piscina worker entry: dispatches to the task registry. */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { tasks, type TaskName } from './tasks.js';

export default async function run(msg: { name: TaskName; input: unknown }): Promise<unknown> {
  // The registry is typed per task; here the message has crossed a thread boundary.
  const fn = tasks[msg.name] as (input: unknown) => ReturnType<(typeof tasks)[TaskName]>;
  if (!fn) throw new Error(`unknown worker task ${String(msg.name)}`);
  const result = await fn(msg.input);
  const value = { value: result.value };
  if (!result.transfer || result.transfer.length === 0) return value;
  // piscina's transferable protocol: the value to post, and the buffers to move with it.
  // piscina's typing of move() does not include its own Transferable protocol objects.
  return move({ [transferableSymbol]: result.transfer, [valueSymbol]: value } as unknown as ArrayBuffer);
}
