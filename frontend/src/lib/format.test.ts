import { describe, expect, it } from 'vitest';
import {
  describeCountdown,
  formatCountdown,
  preselectedEstimate,
  roleLabel,
  statRows,
  statusLabel,
} from './format';

describe('formatCountdown', () => {
  it('shows minutes and zero-padded seconds, rounding up', () => {
    expect(formatCountdown(65_000)).toBe('1:05');
    expect(formatCountdown(59_001)).toBe('1:00');
    expect(formatCountdown(9_000)).toBe('0:09');
    expect(formatCountdown(500)).toBe('0:01');
  });

  it('adds hours from an hour and days from a day', () => {
    expect(formatCountdown(3_600_000)).toBe('1:00:00');
    expect(formatCountdown(3_725_000)).toBe('1:02:05');
    expect(formatCountdown(2 * 86_400_000 + 3_600_000 + 61_000)).toBe('2d 1:01:01');
  });

  it('stops at 0:00 once past, and for nonsense', () => {
    expect(formatCountdown(0)).toBe('0:00');
    expect(formatCountdown(-5_000)).toBe('0:00');
    expect(formatCountdown(Number.NaN)).toBe('0:00');
  });

  it('describes the time left in words', () => {
    expect(describeCountdown(125_000)).toBe('2 minutes 5 seconds left');
    expect(describeCountdown(61_000)).toBe('1 minute 1 second left');
    expect(describeCountdown(0)).toBe('Time is up');
  });
});

const stats = {
  voters: 4,
  numeric: 3,
  mean: 4.333333,
  median: 5,
  min: '2',
  max: '8',
  mode: ['5'],
  agreement: 0.5,
  consensus: false,
  suggestion: '5',
};

describe('statRows', () => {
  it('formats every statistic readably', () => {
    expect(statRows(stats)).toEqual([
      { label: 'Votes', value: '4 (3 with a number)' },
      { label: 'Mean', value: '4.3' },
      { label: 'Median', value: '5' },
      { label: 'Range', value: '2–8' },
      { label: 'Mode', value: '5' },
      { label: 'Agreement', value: '50%' },
      { label: 'Consensus', value: 'No' },
      { label: 'Suggested estimate', value: '5' },
    ]);
  });

  it('handles rounds without numbers and with consensus', () => {
    const rows = statRows({
      ...stats,
      voters: 2,
      numeric: 0,
      mean: null,
      median: null,
      min: null,
      max: null,
      mode: ['?'],
      agreement: 1,
      consensus: true,
      suggestion: null,
    });
    expect(rows.find((row) => row.label === 'Votes')?.value).toBe('2 (0 with a number)');
    expect(rows.find((row) => row.label === 'Mean')?.value).toBe('–');
    expect(rows.find((row) => row.label === 'Range')?.value).toBe('–');
    expect(rows.find((row) => row.label === 'Agreement')?.value).toBe('100%');
    expect(rows.find((row) => row.label === 'Consensus')?.value).toBe('Yes');
    expect(rows.find((row) => row.label === 'Suggested estimate')?.value).toBe('–');
  });

  it('shows several modes and a single-card range', () => {
    const rows = statRows({ ...stats, mode: ['3', '5'], min: '3', max: '3', numeric: 4 });
    expect(rows.find((row) => row.label === 'Mode')?.value).toBe('3, 5');
    expect(rows.find((row) => row.label === 'Range')?.value).toBe('3');
    expect(rows.find((row) => row.label === 'Votes')?.value).toBe('4');
  });
});

describe('preselectedEstimate', () => {
  const deck = ['1', '2', '3', '5', '8', '?'];
  it('prefers the suggestion, then the mode, then the first card', () => {
    expect(preselectedEstimate({ suggestion: '5', mode: ['3'] }, deck)).toBe('5');
    expect(preselectedEstimate({ suggestion: null, mode: ['?'] }, deck)).toBe('?');
    expect(preselectedEstimate({ suggestion: '13', mode: [] }, deck)).toBe('1');
    expect(preselectedEstimate(null, deck)).toBe('1');
  });
});

describe('labels', () => {
  it('names statuses and roles, and never reaches Object.prototype', () => {
    expect(statusLabel('REVEALED')).toBe('Revealed');
    expect(roleLabel('SPECTATOR')).toBe('Spectator');
    expect(statusLabel('constructor')).toBe('constructor');
  });
});
