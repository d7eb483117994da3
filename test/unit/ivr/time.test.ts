import t from 'tap';
import type { IvrConditionRule, IvrFlow } from '../../../src/config/ivr-schema.js';
import { IvrSession } from '../../../src/core/ivr/session.js';
import { inClockRange, isCalendarDate, localTime, parseClock, WEEKDAYS } from '../../../src/core/ivr/time.js';
import { flow, routes } from './helpers.js';

const utc = (y: number, mo: number, d: number, h: number, mi = 0) => Date.UTC(y, mo - 1, d, h, mi);

function hoursFlow(timezone: string, extra: Partial<IvrFlow['steps'][string]> = {}, rules?: IvrConditionRule[]): IvrFlow {
  return flow(
    'hours',
    {
      hours: {
        type: 'condition',
        holidays: ['2026-12-25', '01-01'],
        onHoliday: 'holiday',
        when: rules ?? [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:30', next: 'open' }],
        else: 'closed',
        ...extra,
      } as IvrFlow['steps'][string],
      open: { type: 'route', to: { queue: 'open' } },
      closed: { type: 'route', to: { queue: 'closed' } },
      holiday: { type: 'route', to: { queue: 'holiday' } },
    },
    { timezone },
  );
}

/** Where a call starting at `now` goes. */
function branch(f: IvrFlow, now: number): string {
  const r = routes(new IvrSession(f).handle({ type: 'start', now, caller: '1', did: '2' }))[0];
  return r && 'queue' in r.target ? r.target.queue : 'none';
}

t.test('office hours in Europe/Paris on both sides of the spring and autumn changes', async (t) => {
  const f = hoursFlow('Europe/Paris');
  const cases: [number, string, string][] = [
    // Winter (UTC+1): 09:00 local is 08:00 UTC.
    [utc(2026, 3, 27, 7, 59), 'closed', 'Fri 08:59 CET'],
    [utc(2026, 3, 27, 8, 0), 'open', 'Fri 09:00 CET, from is inclusive'],
    [utc(2026, 3, 27, 16, 29), 'open', 'Fri 17:29 CET'],
    [utc(2026, 3, 27, 16, 30), 'closed', 'Fri 17:30 CET, to is exclusive'],
    [utc(2026, 3, 28, 10, 0), 'closed', 'Saturday'],
    // Summer (UTC+2) from Sunday 2026-03-29: 09:00 local is 07:00 UTC.
    [utc(2026, 3, 30, 6, 59), 'closed', 'Mon 08:59 CEST'],
    [utc(2026, 3, 30, 7, 0), 'open', 'Mon 09:00 CEST'],
    [utc(2026, 3, 30, 15, 29), 'open', 'Mon 17:29 CEST'],
    [utc(2026, 3, 30, 16, 0), 'closed', 'Mon 18:00 CEST (16:00 UTC was open the Friday before)'],
    // Back to winter from Sunday 2026-10-25.
    [utc(2026, 10, 23, 7, 0), 'open', 'Fri 09:00 CEST'],
    [utc(2026, 10, 26, 7, 0), 'closed', 'Mon 08:00 CET'],
    [utc(2026, 10, 26, 8, 0), 'open', 'Mon 09:00 CET'],
    [utc(2026, 10, 26, 16, 29), 'open', 'Mon 17:29 CET'],
  ];
  for (const [now, expected, what] of cases) t.equal(branch(f, now), expected, what);
});

t.test('office hours in America/New_York around its own (earlier) change', async (t) => {
  const f = hoursFlow('America/New_York');
  const cases: [number, string, string][] = [
    [utc(2026, 3, 6, 13, 59), 'closed', 'Fri 08:59 EST'],
    [utc(2026, 3, 6, 14, 0), 'open', 'Fri 09:00 EST'],
    [utc(2026, 3, 6, 22, 29), 'open', 'Fri 17:29 EST'],
    [utc(2026, 3, 7, 4, 30), 'closed', 'Sat 04:30 UTC is Fri 23:30 EST'],
    [utc(2026, 3, 9, 12, 59), 'closed', 'Mon 08:59 EDT'],
    [utc(2026, 3, 9, 13, 0), 'open', 'Mon 09:00 EDT'],
    [utc(2026, 3, 9, 21, 29), 'open', 'Mon 17:29 EDT'],
    [utc(2026, 3, 9, 21, 30), 'closed', 'Mon 17:30 EDT (22:29 UTC was open on Friday)'],
    [utc(2026, 3, 27, 8, 0), 'closed', 'Paris opens at this instant, New York does not'],
    [utc(2026, 11, 2, 13, 59), 'closed', 'Mon 08:59 EST after the autumn change'],
    [utc(2026, 11, 2, 14, 0), 'open', 'Mon 09:00 EST'],
  ];
  for (const [now, expected, what] of cases) t.equal(branch(f, now), expected, what);
});

t.test('skipped and repeated hours on the change days', async (t) => {
  const paris = hoursFlow('Europe/Paris', {}, [{ days: ['sun'], from: '02:00', to: '03:00', next: 'open' }]);
  let matches = 0;
  for (let m = utc(2026, 3, 28, 22, 0); m < utc(2026, 3, 29, 22, 0); m += 60_000) if (branch(paris, m) === 'open') matches++;
  t.equal(matches, 0, '02:00-03:00 does not exist in Paris on 2026-03-29');
  matches = 0;
  for (let m = utc(2026, 10, 24, 22, 0); m < utc(2026, 10, 25, 23, 0); m += 60_000) if (branch(paris, m) === 'open') matches++;
  t.equal(matches, 120, '02:00-03:00 happens twice in Paris on 2026-10-25');
  t.equal(branch(paris, utc(2026, 10, 25, 0, 30)), 'open', '02:30 CEST');
  t.equal(branch(paris, utc(2026, 10, 25, 1, 30)), 'open', '02:30 CET');

  const ny = hoursFlow('America/New_York', {}, [{ days: ['sun'], from: '01:00', to: '02:00', next: 'open' }]);
  t.equal(branch(ny, utc(2026, 11, 1, 5, 30)), 'open', '01:30 EDT');
  t.equal(branch(ny, utc(2026, 11, 1, 6, 30)), 'open', '01:30 EST');
  t.equal(branch(ny, utc(2026, 11, 1, 7, 30)), 'closed', '02:30 EST');
  t.equal(branch(ny, utc(2026, 3, 8, 7, 30)), 'closed', '03:30 EDT: 02:xx was skipped');
});

/** Europe/Paris by the EU rule (last Sunday of March/October, 01:00 UTC) and US Eastern by the US rule, computed by hand. */
function expectedLocal(ms: number, zone: 'paris' | 'ny'): { date: string; weekday: string; minutes: number } {
  const y = new Date(ms).getUTCFullYear();
  const lastSunday = (month: number) => {
    const d = new Date(Date.UTC(y, month + 1, 0));
    return d.getUTCDate() - d.getUTCDay();
  };
  const nthSunday = (month: number, n: number) => {
    const first = new Date(Date.UTC(y, month, 1)).getUTCDay();
    return 1 + ((7 - first) % 7) + 7 * (n - 1);
  };
  let offsetH: number;
  if (zone === 'paris') {
    const summer = ms >= Date.UTC(y, 2, lastSunday(2), 1) && ms < Date.UTC(y, 9, lastSunday(9), 1);
    offsetH = summer ? 2 : 1;
  } else {
    const summer = ms >= Date.UTC(y, 2, nthSunday(2, 2), 7) && ms < Date.UTC(y, 10, nthSunday(10, 1), 6);
    offsetH = summer ? -4 : -5;
  }
  const l = new Date(ms + offsetH * 3_600_000);
  return {
    date: l.toISOString().slice(0, 10),
    weekday: WEEKDAYS[(l.getUTCDay() + 6) % 7]!,
    minutes: l.getUTCHours() * 60 + l.getUTCMinutes(),
  };
}

t.test('localTime agrees with the DST rules computed by hand over two years', async (t) => {
  let checked = 0;
  let bad = 0;
  for (const [zone, tz] of [['paris', 'Europe/Paris'], ['ny', 'America/New_York']] as const) {
    for (let ms = utc(2026, 1, 1, 0, 0); ms < utc(2028, 1, 1, 0, 0); ms += 37 * 60_000) {
      const got = localTime(ms, tz);
      const want = expectedLocal(ms, zone);
      checked++;
      if (got.date !== want.date || got.weekday !== want.weekday || got.minutes !== want.minutes) {
        if (bad++ < 5) t.fail(`${tz} at ${new Date(ms).toISOString()}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      }
    }
  }
  t.equal(bad, 0, `${checked} instants`);
  t.same(localTime(utc(2026, 3, 29, 1, 0), 'Europe/Paris'), { date: '2026-03-29', monthDay: '03-29', weekday: 'sun', minutes: 180, clock: '03:00' });
  t.same(localTime(utc(2026, 1, 1, 0, 0), 'UTC'), { date: '2026-01-01', monthDay: '01-01', weekday: 'thu', minutes: 0, clock: '00:00' });
});

t.test('holidays: exact dates and every-year dates, in the flow\'s zone, before the hours', async (t) => {
  const paris = hoursFlow('Europe/Paris');
  const ny = hoursFlow('America/New_York');
  t.equal(branch(paris, utc(2026, 12, 25, 10, 0)), 'holiday', 'a Friday in office hours, but Christmas');
  t.equal(branch(paris, utc(2026, 12, 24, 23, 30)), 'holiday', '00:30 on the 25th in Paris');
  t.equal(branch(ny, utc(2026, 12, 24, 23, 30)), 'closed', '18:30 on the 24th in New York');
  t.equal(branch(paris, utc(2027, 12, 25, 10, 0)), 'closed', '2026-12-25 is one day, 2027-12-25 a Saturday');
  t.equal(branch(paris, utc(2027, 1, 1, 10, 0)), 'holiday', '01-01 recurs (2027)');
  t.equal(branch(paris, utc(2030, 1, 1, 10, 0)), 'holiday', '01-01 recurs (2030)');
  t.equal(branch(ny, utc(2027, 1, 1, 3, 0)), 'closed', 'still 2026-12-31 in New York');
  t.equal(branch(ny, utc(2027, 1, 1, 15, 0)), 'holiday');

  const special = hoursFlow('Europe/Paris', {}, [
    { dates: ['2026-12-24', '12-31'], from: '09:00', to: '12:00', next: 'open' },
    { dates: ['2026-12-24', '12-31'], next: 'closed' },
    { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:30', next: 'open' },
  ]);
  t.equal(branch(special, utc(2026, 12, 24, 10, 0)), 'open', 'short day: 11:00');
  t.equal(branch(special, utc(2026, 12, 24, 13, 0)), 'closed', 'short day: 14:00');
  t.equal(branch(special, utc(2026, 12, 23, 13, 0)), 'open', 'normal day: 14:00');
  t.equal(branch(special, utc(2026, 12, 31, 13, 0)), 'closed', 'every 31 December');
});

t.test('ranges over midnight, open ends, and clock helpers', async (t) => {
  const night = hoursFlow('UTC', {}, [{ from: '22:00', to: '06:00', next: 'open' }]);
  t.equal(branch(night, utc(2026, 5, 1, 21, 59)), 'closed');
  t.equal(branch(night, utc(2026, 5, 1, 22, 0)), 'open');
  t.equal(branch(night, utc(2026, 5, 2, 0, 0)), 'open');
  t.equal(branch(night, utc(2026, 5, 2, 5, 59)), 'open');
  t.equal(branch(night, utc(2026, 5, 2, 6, 0)), 'closed');
  const evening = hoursFlow('UTC', {}, [{ from: '18:00', next: 'open' }]);
  t.equal(branch(evening, utc(2026, 5, 1, 23, 59)), 'open');
  t.equal(branch(evening, utc(2026, 5, 1, 17, 59)), 'closed');
  const allDay = hoursFlow('UTC', {}, [{ from: '00:00', to: '24:00', days: ['fri'], next: 'open' }]);
  t.equal(branch(allDay, utc(2026, 5, 1, 23, 59)), 'open', 'Friday 23:59');
  t.equal(branch(allDay, utc(2026, 5, 2, 0, 0)), 'closed', 'Saturday 00:00');

  t.equal(parseClock('9:05'), 545);
  t.equal(parseClock('24:00'), 1440);
  t.equal(parseClock('24:01'), undefined);
  t.equal(parseClock('9h'), undefined);
  t.ok(inClockRange(0, 1320, 360));
  t.notOk(inClockRange(720, 1320, 360));
  t.ok(isCalendarDate('02-29'));
  t.ok(isCalendarDate('2028-02-29'));
  t.notOk(isCalendarDate('2026-02-29'));
  t.notOk(isCalendarDate('2026-13-01'));
});
