/**
 * The README's ready-to-paste console events are events the function accepts, one for every manual
 * action it knows; the malformed example there is refused exactly as the README shows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manualEventSchema } from '../../lambda/events/manual-event';
import { InvalidEventError, parseEvent } from '../../lambda/events/parse-event';
import { SCHEDULED_VERIFY_EVENT } from '../../lib/database-migrations';
import { PACKAGE_ROOT } from '../../lib/package-paths';

/** The README section on the function's events. */
function eventsSection(): string {
  const readme = fs.readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf("## The function's events");
  const end = readme.indexOf('\n## ', start + 1);
  expect(start).toBeGreaterThanOrEqual(0);
  return readme.slice(start, end);
}

describe('the console events in the README', () => {
  const section = eventsSection();
  const events = [...section.matchAll(/^\| `(\{.*\})` \|/gm)].map((m) => m[1]!);

  it('are each accepted as a manual event, and cover every action the function knows', () => {
    expect(events.length).toBeGreaterThanOrEqual(manualEventSchema.options.length);
    const actions = new Set<string>();
    for (const text of events) {
      const parsed = parseEvent(JSON.parse(text));
      expect(parsed.kind, text).toBe('manual');
      if (parsed.kind === 'manual') actions.add(parsed.event.action);
    }
    expect([...actions].sort()).toEqual(manualEventSchema.options.map((o) => o.shape.action.value).sort());
  });

  it('shows the refusal of a malformed event as the function words it, each bad field named', () => {
    const shown = /```\n(Invalid event: .*)\n```/.exec(section)?.[1];
    expect(shown).toBeDefined();
    let refusal: unknown;
    try {
      parseEvent({ action: 'migrate', targetVersion: 'v22', force: true });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(InvalidEventError);
    expect((refusal as InvalidEventError).issues).toHaveLength(2);
    expect((refusal as Error).message).toBe(shown);
  });

  it('names the schedule\'s event as the construct sends it', () => {
    expect(section).toContain(`\`${JSON.stringify(SCHEDULED_VERIFY_EVENT)}\``);
    expect(parseEvent(SCHEDULED_VERIFY_EVENT)).toMatchObject({ kind: 'manual', event: SCHEDULED_VERIFY_EVENT });
  });
});
