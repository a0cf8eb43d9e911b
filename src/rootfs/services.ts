/**
 * The service supervisor, busybox-only: init starts `/etc/svc/supervise NAME` for each service
 * (respawn, or once for a oneshot). supervise waits until every dependency is up (a live pid,
 * or a finished oneshot), backs off when restarted often, then execs the service's run script
 * in the foreground, so init notices when it dies and starts it again.
 * `svc-status` lists the services with their state.
 */
import { ServiceError } from '../config/errors.js';
import type { SystemService } from '../config/types.js';

/** Service names in dependency order (dependencies first, ties by name). */
export function serviceOrder(services: Record<string, SystemService>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...chain.slice(chain.indexOf(name)), name].join(' -> ');
      throw new ServiceError('dependency-cycle', `service dependency cycle: ${cycle}`);
    }
    state.set(name, 'visiting');
    for (const dep of [...services[name]!.dependsOn].sort()) {
      if (!Object.hasOwn(services, dep)) {
        throw new ServiceError('unknown-dependency', `service ${name} depends on unknown service '${dep}' (known: ${Object.keys(services).sort().join(', ')})`);
      }
      visit(dep, [...chain, name]);
    }
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(services).sort()) visit(name, []);
  return order;
}

// SVC_ROOT is empty on the device; tests point it at a temp dir to run the scripts on the host.
const SUPERVISE = `#!/bin/sh
# supervise NAME: wait for NAME's dependencies, then run it in the foreground (init restarts it).
name=$1
dir=$SVC_ROOT/etc/svc/$name
state=$SVC_ROOT/run/svc/$name
mkdir -p "$state"
for dep in $(cat "$dir/depends"); do
  n=0
  until "$SVC_ROOT/etc/svc/ready" "$dep"; do
    n=$((n + 1))
    [ $n -eq 30 ] && echo "supervise: $name still waiting for $dep" >&2
    sleep 1
  done
done
starts=$(( $(cat "$state/starts" 2>/dev/null || echo 0) + 1 ))
echo $starts > "$state/starts"
if [ $starts -gt 1 ]; then
  echo "supervise: restarting $name (start $starts)" >&2
  delay=$starts; [ $delay -gt 10 ] && delay=10
  sleep $delay
fi
rm -f "$state/done"
echo $$ > "$state/pid"
if [ -f "$dir/oneshot" ]; then
  /bin/sh "$dir/run" && touch "$state/done"
  rm -f "$state/pid"
  exit 0
fi
exec /bin/sh "$dir/run"
`;

const READY = `#!/bin/sh
# ready NAME: true when NAME is running (live pid) or is a oneshot that has finished.
state=$SVC_ROOT/run/svc/$1
[ -f "$state/done" ] && exit 0
pid=$(cat "$state/pid" 2>/dev/null) || exit 1
kill -0 "$pid" 2>/dev/null
`;

const SVC = `#!/bin/sh
# svc-status: list services (dependency order) with their state and pid.
for name in $(cat "$SVC_ROOT/etc/svc/order"); do
  state=$SVC_ROOT/run/svc/$name
  if [ -f "$state/done" ]; then st=done
  elif pid=$(cat "$state/pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; then st="running $pid"
  else st=down; fi
  echo "$name $st starts=$(cat "$state/starts" 2>/dev/null || echo 0)"
done
`;

/** The supervisor's files: /etc/svc/{supervise,ready,status,order} and one directory per service. */
export function supervisorFiles(services: Record<string, SystemService>): Record<string, { content: string; mode: number }> {
  const order = serviceOrder(services);
  const files: Record<string, { content: string; mode: number }> = {
    '/etc/svc/supervise': { content: SUPERVISE, mode: 0o755 },
    '/etc/svc/ready': { content: READY, mode: 0o755 },
    '/etc/svc/status': { content: SVC, mode: 0o755 },
    '/etc/svc/order': { content: order.map((n) => n + '\n').join(''), mode: 0o644 },
  };
  for (const name of order) {
    const s = services[name]!;
    // A one-line command is exec'd so the supervised pid is the daemon's own.
    const body = s.run.includes('\n') ? s.run : `exec ${s.run}`;
    files[`/etc/svc/${name}/run`] = { content: `#!/bin/sh\n${body}\n`, mode: 0o755 };
    files[`/etc/svc/${name}/depends`] = { content: [...s.dependsOn].sort().map((d) => d + '\n').join(''), mode: 0o644 };
    if (!s.restart) files[`/etc/svc/${name}/oneshot`] = { content: '', mode: 0o644 };
  }
  return files;
}
