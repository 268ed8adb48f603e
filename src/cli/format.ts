// Text output helpers shared by the commands. Times may arrive as epoch milliseconds (the engine's
// rows) or ISO 8601 strings (the API's answers); both print as ISO 8601.
export type Time = number | string | null | undefined;

export function time(value: Time): string {
  if (value === null || value === undefined) return '-';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

export function millisBetween(from: Time, to: Time): number | string {
  if (from === null || from === undefined || to === null || to === undefined) return '-';
  return new Date(to).getTime() - new Date(from).getTime();
}
