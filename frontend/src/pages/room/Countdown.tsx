import { useEffect, useState } from 'react';
import { describeCountdown, formatCountdown } from '../../lib/format';

/** Time left until `endsAt` (the server reveals then), ticking every second. */
export function Countdown({ endsAt }: { endsAt: string }) {
  const end = Date.parse(endsAt);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
    }, 1000);
    return () => {
      clearInterval(timer);
    };
  }, [end]);
  if (Number.isNaN(end)) return null;
  const left = end - now;
  return (
    <p className="countdown">
      <span className="countdown-label">Time left</span>{' '}
      <span role="timer" aria-label={describeCountdown(left)} className="countdown-value">
        {formatCountdown(left)}
      </span>
      {left <= 0 ? <span className="meta"> — revealing…</span> : null}
    </p>
  );
}
