// Numbers, money and dates for the program's locale, currency and time zone (loyaltyProgram
// { locale currency timeZone }), through Intl: the shell loads them once per key and every
// page formats with them. Points are integers; money arrives as decimal strings and is shown
// from the string (Intl formats a string without going through a binary float where the
// browser supports it; only display is affected either way).

import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export type Program = { locale: string; currency: string; timeZone: string };
export const DEFAULT_PROGRAM: Program = { locale: 'en-US', currency: 'USD', timeZone: 'UTC' };

export class Formats {
  readonly program: Program;
  private readonly num: Intl.NumberFormat;
  private readonly dateTime: Intl.DateTimeFormat;
  private readonly dateOnly: Intl.DateTimeFormat;
  private readonly dayMonth: Intl.DateTimeFormat;
  constructor(program: Program) {
    this.program = program;
    this.num = new Intl.NumberFormat(program.locale, { maximumFractionDigits: 0 });
    this.dateTime = new Intl.DateTimeFormat(program.locale, {
      timeZone: program.timeZone, dateStyle: 'medium', timeStyle: 'short',
    });
    this.dateOnly = new Intl.DateTimeFormat(program.locale, { timeZone: 'UTC', dateStyle: 'medium' });
    this.dayMonth = new Intl.DateTimeFormat(program.locale, { timeZone: 'UTC', day: 'numeric', month: 'short' });
  }

  points(n: number | string | null | undefined): string {
    if (n === null || n === undefined || n === '') return '—';
    return this.num.format(Number(n));
  }

  money(amount: string | number | null | undefined, currency?: string | null): string {
    if (amount === null || amount === undefined || amount === '') return '—';
    const format = new Intl.NumberFormat(this.program.locale, {
      style: 'currency', currency: currency || this.program.currency, maximumFractionDigits: 4,
    });
    // A decimal string is formatted as the decimal it spells (Intl.NumberFormat v3 takes strings).
    return format.format(amount as unknown as number);
  }

  // An instant (ISO 8601 with its zone), on the program's wall clock.
  when(iso: string | null | undefined): string {
    if (!iso) return '—';
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : this.dateTime.format(date);
  }

  // Midnight of a calendar day (YYYY-MM-DD) on the program's clock, as an ISO instant: what
  // "active since 1 December" means for a shop in Tokyo. Two passes settle a DST change.
  startOfDay(day: string): string | null {
    const [y, m, d] = day.split('-').map(Number);
    if (!y || !m || !d) return null;
    const wall = Date.UTC(y, m - 1, d);
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: this.program.timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    const offsetAt = (t: number) => {
      const p = Object.fromEntries(parts.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
      return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - t;
    };
    let t = wall - offsetAt(wall);
    t = wall - offsetAt(t);
    return new Date(t).toISOString();
  }

  // A calendar day without its year, for a chart's axis.
  shortDay(value: string): string {
    const date = new Date(value + 'T00:00:00Z');
    return Number.isNaN(date.getTime()) ? value : this.dayMonth.format(date);
  }

  // A calendar day (YYYY-MM-DD, already the program's day): no zone conversion.
  day(value: string | null | undefined): string {
    if (!value) return '—';
    const date = new Date(value + 'T00:00:00Z');
    return Number.isNaN(date.getTime()) ? value : this.dateOnly.format(date);
  }
}

export const FormatsContext = createContext(new Formats(DEFAULT_PROGRAM));

export function useFormats(): Formats {
  return useContext(FormatsContext);
}
