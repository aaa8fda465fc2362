import type { Placement } from '../shared/decided-event.ts';

/**
 * Types the escalation flow's function nodes pass to each other (type-only: every function node
 * is self-contained, so nothing here exists at run time).
 */

/** Who is told at each step: the enterprise's safety contact, the park's security, the duty line. */
export type Level = 'enterprise' | 'security' | 'duty';

/** One recipient: a WeCom or DingTalk group robot, or phone numbers behind the SMS gateway. */
export interface Contact {
  type: 'wecom' | 'dingtalk' | 'sms';
  /** robot webhook URL (wecom, dingtalk) */
  url?: string;
  /** DingTalk "加签" secret: requests are then signed */
  secret?: string;
  /** phone numbers: SMS recipients, or people to @-mention in the robot message */
  to?: string[];
}

/** PW_ESC_CONTACTS: the routing table, kept out of the flow file. */
export interface ContactBook {
  /** enterprise name (placement.enterprise) -> its safety contacts */
  enterprises: Record<string, Contact[]>;
  /** for enterprises not listed */
  fallback?: Contact[];
  security: Contact[];
  duty: Contact[];
}

export interface EscalationConfig {
  contacts: ContactBook;
  /** seconds after the alarm when security is told, and when the duty line is told */
  securityAfterS: number;
  dutyAfterS: number;
}

/** An alarm being escalated, kept in the book's node context. */
export interface OpenAlarm {
  key: string;
  ref: string;
  eventId: string;
  gw: string;
  park: string;
  node: string | null;
  ch: string;
  /** trouble: an overdue hazard (told once, not escalated) */
  priority: 'fire' | 'water' | 'trouble';
  placement: Placement | null;
  /** event time (gateway clock) */
  at: number;
  /** when this flow opened it (local clock); escalation times count from here */
  openedAt: number;
  /** how many levels have been told (0..3) */
  told: number;
  /** levels that actually had recipients, told again when the alarm is acknowledged */
  toldLevels: Level[];
  /** when the next level is due, null after the last */
  nextAt: number | null;
  /** the drill this alarm belongs to: every notice about it says 演练 / DRILL */
  drill?: { id: number; scenario: string };
}

/** One message to one contact, from the book to the renderer. */
export interface Notice {
  reason: 'alarm' | 'escalated' | 'acknowledged' | 'cleared' | 'overdue';
  level: Level;
  contact: Contact;
  alarm: OpenAlarm;
  /** who acknowledged, for reason "acknowledged" */
  by?: string;
  /** seconds since the alarm was opened */
  elapsedS: number;
  /** for reason "overdue": the hazard past its rectification deadline */
  hazard?: { id: number; cause: string; severity: string; deadline: number };
}

/** What the renderer keeps on the message so the delivery node can retry and report. */
export interface PendingRequest {
  url: string;
  headers: Record<string, string>;
  body: unknown;
  attempt: number;
  what: string;
  /** DingTalk "加签" secret: the request is signed afresh on every try */
  dingtalkSecret?: string;
}
