/**
 * MQTT topic filter matching (MQTT 3.1.1 §4.7): `+` matches one level, `#` (last) the rest,
 * including the parent level itself. JET topics start with a slash, so their first level is empty:
 * `/junos/events/#` matches `/junos/events/syslog/SNMPD_RMON_EVENTLOG`.
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  // Without a wildcard, only the same string matches (no split per message for exact filters).
  if (filter.indexOf('+') < 0 && filter.indexOf('#') < 0) return false;
  // Filters starting with a wildcard do not match topics starting with '$' (broker topics).
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Why a topic filter cannot be subscribed to, or null when it can. */
export function validateTopicFilter(filter: string): string | null {
  if (filter.length === 0) return 'the topic is empty';
  if (Buffer.byteLength(filter) > 65535) return 'the topic is longer than 65535 bytes';
  if (filter.includes('\u0000')) return 'the topic contains a NUL character';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return `"#" must be a whole level and the last one`;
    if (level.includes('+') && level !== '+') return `"+" must be a whole level`;
  }
  return null;
}
