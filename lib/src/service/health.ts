/**
 * Liveness and readiness as named checks. /healthz fails when a liveness check
 * fails (restart me); /readyz fails when a readiness check fails (do not send
 * me work yet, e.g. the consumer has not joined its group).
 */
export type Check = () => boolean | string;

export interface CheckResult {
  ok: boolean;
  checks: Record<string, string>;
}

export class Health {
  private readonly liveness = new Map<string, Check>();
  private readonly readiness = new Map<string, Check>();

  /** A check returns true when fine, false or a reason string when not. */
  addLiveness(name: string, check: Check): void {
    this.liveness.set(name, check);
  }

  addReadiness(name: string, check: Check): void {
    this.readiness.set(name, check);
  }

  live(): CheckResult {
    return run(this.liveness);
  }

  ready(): CheckResult {
    const live = this.live();
    const ready = run(this.readiness);
    return { ok: live.ok && ready.ok, checks: { ...live.checks, ...ready.checks } };
  }
}

function run(checks: Map<string, Check>): CheckResult {
  const result: CheckResult = { ok: true, checks: {} };
  for (const [name, check] of checks) {
    let outcome: boolean | string;
    try {
      outcome = check();
    } catch (error) {
      outcome = (error as Error).message;
    }
    result.checks[name] = outcome === true ? 'ok' : outcome === false ? 'failing' : outcome;
    if (outcome !== true) result.ok = false;
  }
  return result;
}
