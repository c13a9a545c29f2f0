/**
 * Readiness, beside liveness: `/healthz` says the process and its engine answer; `/readyz` says
 * a reader who arrives now gets a sandbox that is as safe as configured: the sandbox image is
 * there, the registry mirror runs (when one is configured) and the host firewall's rules are in
 * place (when it is on). Load balancers and compose's health check route by it.
 */
export type CheckResult = 'ok' | 'off' | 'failing';
export type Readiness = { ready: boolean; checks: Record<string, CheckResult>; failing: string[] };

/** One check: resolves true when it holds; undefined when what it checks is turned off. */
export type Check = (() => Promise<boolean>) | undefined;

/** A probe may ask every second; the checks spawn processes, so an answer is kept this long. */
const KEEP_MS = 2_000;

export function readiness(checks: Record<string, Check>, now = () => Date.now()) {
  let kept: { at: number; answer: Promise<Readiness> } | undefined;
  const look = async (): Promise<Readiness> => {
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
        if (!check) return [name, 'off'];
        const holds = await check().catch(() => false);
        return [name, holds ? 'ok' : 'failing'];
      }),
    );
    const failing = entries.filter(([, result]) => result === 'failing').map(([name]) => name);
    return { ready: failing.length === 0, checks: Object.fromEntries(entries), failing };
  };
  return (): Promise<Readiness> => {
    if (!kept || now() - kept.at >= KEEP_MS) kept = { at: now(), answer: look() };
    return kept.answer;
  };
}
