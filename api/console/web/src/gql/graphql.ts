/* eslint-disable */
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An arbitrary-precision integer sent as a decimal string (token amounts). */
  BigInt: { input: string; output: string; }
  /** Date (isoformat) */
  Date: { input: string; output: string; }
  /** An ISO 8601 date-time with a time zone, e.g. 2025-01-31T12:00:00Z (from 1970 to before 2200). */
  DateTime: { input: string; output: string; }
  /** An exact decimal sent as a string, e.g. "19.99" (money; an integer too). No floats; at most 6 decimal places and at most 1,000,000,000,000,000 in size. */
  Decimal: { input: string; output: string; }
  /** The `JSON` scalar type represents JSON values as specified by [ECMA-404](https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf). */
  JSON: { input: unknown; output: unknown; }
  /** A 53-bit-safe integer sent as a JSON number, never a string (chain ids, blocks, points). */
  Long: { input: number; output: number; }
  /** Represents a file upload. */
  Upload: { input: any; output: any; }
};

/** Every given condition must hold. */
export type AccountFilter = {
  /** Inclusive instant; members never active do not match. */
  lastActivityFrom?: InputMaybe<Scalars['DateTime']['input']>;
  /** Exclusive instant. */
  lastActivityTo?: InputMaybe<Scalars['DateTime']['input']>;
  /** Inclusive. */
  maxBalance?: InputMaybe<Scalars['Long']['input']>;
  /** Inclusive. */
  minBalance?: InputMaybe<Scalars['Long']['input']>;
  /** Case-insensitive prefix of the member id, the e-mail, or the wallet or custodial address. */
  search?: InputMaybe<Scalars['String']['input']>;
  /** The member's current tier. */
  tierId?: InputMaybe<Scalars['ID']['input']>;
};

/** Default: newest member first (CREATED, DESC). */
export type AccountOrder = {
  direction?: SortDirection;
  field?: AccountOrderField;
};

/** What `accounts` is sorted by (ties: the member's creation order). */
export type AccountOrderField =
  | 'BALANCE'
  | 'CREATED'
  | 'EARNED'
  /** The last activity; a member with none yet sorts at its creation time. */
  | 'LAST_ACTIVITY';

/** An activity as a webhook would report it. */
export type ActivityInput = {
  activityType: Scalars['String']['input'];
  amount?: InputMaybe<MoneyInput>;
  /** Whose earning to preview; a member token previews its own by default. */
  memberId?: InputMaybe<Scalars['ID']['input']>;
  /** When the activity happens (default: now): campaigns' windows are judged at this instant, on the program's clock. */
  occurredAt?: InputMaybe<Scalars['DateTime']['input']>;
  /** Preview at this tier's rates (default: the member's current tier, else the base tier). */
  tierId?: InputMaybe<Scalars['ID']['input']>;
  triggerAppId: Scalars['String']['input'];
};

export type AdjustPointsInput = {
  /** A change, + or -. */
  amount?: InputMaybe<Scalars['Int']['input']>;
  /** Or the balance to set. */
  balance?: InputMaybe<Scalars['Int']['input']>;
  idempotencyKey: Scalars['String']['input'];
  memberId: Scalars['String']['input'];
  /** Shown in the transaction (1-100 characters). */
  reason: Scalars['String']['input'];
};

export type AdjustPointsResult = {
  account: LoyaltyAccount;
  /** The change made (0: already at that balance). */
  amount: Scalars['Long']['output'];
  /** True for a repeated idempotency key. */
  duplicate: Scalars['Boolean']['output'];
  transactionId?: Maybe<Scalars['ID']['output']>;
};

/** Program figures for the UTC days from..to (inclusive). membersPerTier, topMembers and liability are as of now. */
export type Analytics = {
  /** Every rule's and campaign's budget: used and left, now. */
  budgets: Array<BudgetUse>;
  from: Scalars['Date']['output'];
  liability: Liability;
  /** Members in each tier now, the base tier first. */
  membersPerTier: Array<TierMembers>;
  /** Every day of the range, days without entries as zeros. */
  pointsIssuedPerDay: Array<DailyPoints>;
  /** Extra points per campaign (its own EARN entries), most first. */
  pointsPerCampaign: Array<CampaignPoints>;
  /** Points issued and reversed per earning rule, most first. */
  pointsPerRule: Array<RulePoints>;
  /** Purchase amount per day (orders with an id and an amount). */
  purchaseAmountPerDay: Array<DailyPurchases>;
  to: Scalars['Date']['output'];
  /** Members with the most points now (first: 1-100). */
  topMembers: Array<TopMember>;
};


/** Program figures for the UTC days from..to (inclusive). membersPerTier, topMembers and liability are as of now. */
export type AnalyticsTopMembersArgs = {
  first?: Scalars['Int']['input'];
  orderBy?: TopMembersOrder;
};

export type ApplicationError = {
  code: Scalars['String']['output'];
  description: Scalars['String']['output'];
  field?: Maybe<Scalars['String']['output']>;
};

/** Who made a change: the API key (id and name), or the system. */
export type AuditActorInfo = {
  keyId?: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
};

export type AuditFinding = {
  check: Scalars['String']['output'];
  code: Scalars['String']['output'];
  message: Scalars['String']['output'];
};

/** What an audit-log entry is about. */
export type AuditKind =
  | 'ADJUSTMENT'
  | 'API_KEY'
  | 'BULK_ADJUSTMENT'
  | 'CAMPAIGN'
  | 'ERASURE'
  | 'IMPORT'
  | 'PROGRAM'
  | 'REFERRAL_PROGRAM'
  | 'REWARD'
  | 'RULE'
  | 'TIER';

export type AuditLogConnection = {
  edges: Array<AuditLogEdge>;
  /** The entries of this page (the edges' nodes). */
  nodes: Array<AuditLogEntry>;
  pageInfo: PageInfo;
};

export type AuditLogEdge = {
  cursor: Scalars['String']['output'];
  node: AuditLogEntry;
};

/** One change, hash-chained to the entry before it. */
export type AuditLogEntry = {
  /** create, update, delete, set_limits, revoke or adjust; for a bulk adjustment or import also done (its totals) or refuse (an import with invalid rows). */
  action: Scalars['String']['output'];
  actor: AuditActorInfo;
  after?: Maybe<Scalars['JSON']['output']>;
  at: Scalars['DateTime']['output'];
  before?: Maybe<Scalars['JSON']['output']>;
  /** {field: {"before": …, "after": …}} */
  diff: Scalars['JSON']['output'];
  entityId: Scalars['String']['output'];
  hash: Scalars['String']['output'];
  kind: AuditKind;
  prevHash: Scalars['String']['output'];
  /** Position in the chain: 1, 2, 3 … without gaps. */
  seq: Scalars['Long']['output'];
};

/** Every given condition must hold. */
export type AuditLogFilter = {
  actorKeyId?: InputMaybe<Scalars['String']['input']>;
  /** A member is `member:<row id>` (see memberId). */
  entityId?: InputMaybe<Scalars['String']['input']>;
  /** Inclusive. */
  from?: InputMaybe<Scalars['DateTime']['input']>;
  kind?: InputMaybe<AuditKind>;
  /** A member's entries (adjustments, erasure), by member id. */
  memberId?: InputMaybe<Scalars['String']['input']>;
  /** Exclusive. */
  to?: InputMaybe<Scalars['DateTime']['input']>;
};

/** The audit of the index against the chain at one block. */
export type AuditReport = {
  block: Scalars['Long']['output'];
  chainSupply: Scalars['BigInt']['output'];
  clean: Scalars['Boolean']['output'];
  digest: Scalars['String']['output'];
  findings: Array<AuditFinding>;
  holders: Scalars['Long']['output'];
  indexedSupply: Scalars['BigInt']['output'];
  ledgerReason?: Maybe<Scalars['String']['output']>;
  ledgerStatus: Scalars['String']['output'];
};

export type Award = {
  /** This order already earned under this rule (through another event). */
  alreadyAwarded: Scalars['Boolean']['output'];
  balanceChange: Scalars['Long']['output'];
  earningRuleId: Scalars['ID']['output'];
  earningRuleRevision: Scalars['Long']['output'];
  /** The award's hold (the return window, holdDays), as it stands now: null when the points were not held. */
  hold?: Maybe<TransactionHold>;
  /** Why a limit or budget cut the points, when one did. */
  limitReason?: Maybe<Scalars['String']['output']>;
  points: Scalars['Long']['output'];
  transactionId?: Maybe<Scalars['ID']['output']>;
};

/** An address's balance at the end of a block that touched it. */
export type BalanceChange = {
  address: Scalars['String']['output'];
  balance: Scalars['BigInt']['output'];
};

export type BudgetUsage = {
  /** "total", or the period, e.g. "2026-W49" */
  periodKey: Scalars['String']['output'];
  used: Scalars['Long']['output'];
};

/** A rule's or campaign's budget: used and left, as of now. */
export type BudgetUse = {
  leftInPeriod?: Maybe<Scalars['Long']['output']>;
  leftTotal?: Maybe<Scalars['Long']['output']>;
  ownerId: Scalars['ID']['output'];
  /** RULE or CAMPAIGN */
  ownerKind: Scalars['String']['output'];
  perPeriod?: Maybe<Scalars['Long']['output']>;
  period?: Maybe<Scalars['String']['output']>;
  /** The current period, e.g. "2026-12". */
  periodKey?: Maybe<Scalars['String']['output']>;
  title?: Maybe<Scalars['String']['output']>;
  total?: Maybe<Scalars['Long']['output']>;
  usedInPeriod: Scalars['Long']['output'];
  usedTotal: Scalars['Long']['output'];
};

export type BulkActionMetadata = {
  totalFailures: Scalars['Int']['output'];
  totalSuccesses: Scalars['Int']['output'];
};

/** Give exactly one of filter and memberIds. */
export type BulkAdjustPointsInput = {
  /** The change for each member, + or -. */
  amount: Scalars['Int']['input'];
  /** The members `accounts(filter)` lists ({} for everyone). */
  filter?: InputMaybe<AccountFilter>;
  /** The same key again returns the same job (each member adjusted once). */
  idempotencyKey: Scalars['String']['input'];
  /** Or up to 10,000 member ids. */
  memberIds?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Shown in each transaction (1-100 characters). */
  reason: Scalars['String']['input'];
};

export type BulkCreateEarningRulesResult = {
  bulkActionMetadata: BulkActionMetadata;
  results: Array<EarningRuleResult>;
};

/** Time-boxed extra points on top of the earning rules. */
export type Campaign = {
  combination: CampaignCombination;
  conditions: CampaignConditions;
  createdDate: Scalars['DateTime']['output'];
  description?: Maybe<Scalars['String']['output']>;
  effect: CampaignEffect;
  id: Scalars['ID']['output'];
  /** 0 to 1000; higher first. */
  priority: Scalars['Int']['output'];
  revision: Scalars['Long']['output'];
  status: CampaignStatus;
  title: Scalars['String']['output'];
  updatedDate: Scalars['DateTime']['output'];
  window: CampaignWindow;
};

/** Extra points a campaign added (see campaigns). */
export type CampaignAward = {
  /** This order already had this campaign's extra (through another event). */
  alreadyAwarded: Scalars['Boolean']['output'];
  balanceChange: Scalars['Long']['output'];
  campaignId: Scalars['ID']['output'];
  campaignRevision: Scalars['Long']['output'];
  /** The award's hold (the return window, holdDays), as it stands now: null when the points were not held. */
  hold?: Maybe<TransactionHold>;
  /** Why a limit or budget cut the points, when one did. */
  limitReason?: Maybe<Scalars['String']['output']>;
  points: Scalars['Long']['output'];
  transactionId?: Maybe<Scalars['ID']['output']>;
};

/** STACK: adds to the other campaigns; BEST: only the BEST campaign giving the most applies; EXCLUSIVE: the EXCLUSIVE campaign of highest priority applies alone. */
export type CampaignCombination =
  | 'BEST'
  | 'EXCLUSIVE'
  | 'STACK';

/** All must hold; an empty list means any. */
export type CampaignConditions = {
  activityTypes: Array<Scalars['String']['output']>;
  minimumAmount?: Maybe<Scalars['Decimal']['output']>;
  tierIds: Array<Scalars['ID']['output']>;
  triggerAppIds: Array<Scalars['String']['output']>;
};

export type CampaignConditionsInput = {
  activityTypes?: InputMaybe<Array<Scalars['String']['input']>>;
  minimumAmount?: InputMaybe<Scalars['Decimal']['input']>;
  tierIds?: InputMaybe<Array<Scalars['ID']['input']>>;
  triggerAppIds?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type CampaignConnection = {
  edges: Array<CampaignEdge>;
  /** The campaigns of this page (the edges' nodes). */
  nodes: Array<Campaign>;
  pageInfo: PageInfo;
};

export type CampaignConversionRate = {
  moneyAmount: Scalars['Decimal']['output'];
  points: Scalars['Int']['output'];
};

export type CampaignConversionRateInput = {
  moneyAmount: Scalars['Decimal']['input'];
  points: Scalars['Int']['input'];
};

export type CampaignEdge = {
  cursor: Scalars['String']['output'];
  node: Campaign;
};

/** What the campaign adds to the matching rules' points R: MULTIPLIER m adds floor(R*m)-R; BONUS_POINTS adds a fixed number; CONVERSION_RATE earns floor(amount/moneyAmount*points) in place of R when that is more. */
export type CampaignEffect = {
  bonusPoints?: Maybe<Scalars['Int']['output']>;
  conversionRate?: Maybe<CampaignConversionRate>;
  kind: CampaignEffectKind;
  multiplier?: Maybe<Scalars['Decimal']['output']>;
};

/** Give exactly one of multiplier, bonusPoints, conversionRate. */
export type CampaignEffectInput = {
  bonusPoints?: InputMaybe<Scalars['Int']['input']>;
  conversionRate?: InputMaybe<CampaignConversionRateInput>;
  /** More than 1, at most 100, up to 4 decimals (e.g. "2"). */
  multiplier?: InputMaybe<Scalars['Decimal']['input']>;
};

export type CampaignEffectKind =
  | 'BONUS_POINTS'
  | 'CONVERSION_RATE'
  | 'MULTIPLIER';

export type CampaignFilter = {
  status?: InputMaybe<CampaignStatus>;
};

/** A new campaign (DRAFT unless a status is given). */
export type CampaignInput = {
  combination?: CampaignCombination;
  conditions?: InputMaybe<CampaignConditionsInput>;
  description?: InputMaybe<Scalars['String']['input']>;
  effect: CampaignEffectInput;
  priority?: Scalars['Int']['input'];
  status?: CampaignStatus;
  title: Scalars['String']['input'];
  window: CampaignWindowInput;
};

/** The extra points one campaign added in the range. */
export type CampaignPoints = {
  awards: Scalars['Int']['output'];
  campaignId: Scalars['ID']['output'];
  issued: Scalars['Long']['output'];
  /** taken back by refunds in the range */
  reversed: Scalars['Long']['output'];
  /** null once the campaign is gone */
  title?: Maybe<Scalars['String']['output']>;
};

/** DRAFT: being prepared; ACTIVE: applies inside its window; PAUSED: applies nothing until ACTIVE again; ENDED: final, never applies again. */
export type CampaignStatus =
  | 'ACTIVE'
  | 'DRAFT'
  | 'ENDED'
  | 'PAUSED';

/** A partial update: omitted fields stay; window, conditions and effect are replaced whole when given. */
export type CampaignUpdate = {
  combination?: InputMaybe<CampaignCombination>;
  conditions?: InputMaybe<CampaignConditionsInput>;
  description?: InputMaybe<Scalars['String']['input']>;
  effect?: InputMaybe<CampaignEffectInput>;
  priority?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<CampaignStatus>;
  title?: InputMaybe<Scalars['String']['input']>;
  window?: InputMaybe<CampaignWindowInput>;
};

export type CampaignWindow = {
  /** null: every day */
  daysOfWeek?: Maybe<Array<DayOfWeek>>;
  endsAt?: Maybe<Scalars['DateTime']['output']>;
  /** null: all day */
  hours?: Maybe<DailyHours>;
  startsAt: Scalars['DateTime']['output'];
};

/** startsAt inclusive, endsAt exclusive (instants); daysOfWeek and hours are read on the program's wall clock (loyaltyProgram.timeZone). */
export type CampaignWindowInput = {
  daysOfWeek?: InputMaybe<Array<DayOfWeek>>;
  endsAt?: InputMaybe<Scalars['DateTime']['input']>;
  hours?: InputMaybe<DailyHoursInput>;
  startsAt: Scalars['DateTime']['input'];
};

/** Where a chain request stands (docs/chain.md). */
export type ChainRequestState =
  | 'BATCHED'
  | 'FINAL'
  | 'PENDING'
  | 'REFUSED';

/** Where a root was committed on chain: a final settle batch. */
export type CommittedAt = {
  /** the batch's row id, as in mintingStatus */
  batch: Scalars['Long']['output'];
  /** the on-chain batch id (bytes32, 0x-hex) */
  batchId: Scalars['String']['output'];
  /** the block holding its BatchSettled log */
  block: Scalars['Long']['output'];
  /** the root committed, 0x-hex */
  root: Scalars['String']['output'];
  /** the supply committed (totalSupply() right after the batch), decimal string */
  supply: Scalars['String']['output'];
  /** the settle transaction */
  txHash: Scalars['String']['output'];
};

/** floor(amountSpent / moneyAmount * points). */
export type ConversionRate = {
  configs: Array<ConversionRateConfig>;
};

export type ConversionRateConfig = {
  /** Spend this much (base currency)… */
  moneyAmount: Scalars['Decimal']['output'];
  /** …to earn this many points (rounded down). */
  points: Scalars['Int']['output'];
  /** null: the base tier */
  tierId?: Maybe<Scalars['ID']['output']>;
};

export type ConversionRateConfigInput = {
  moneyAmount: Scalars['Decimal']['input'];
  points: Scalars['Int']['input'];
  tierId?: InputMaybe<Scalars['ID']['input']>;
};

export type ConversionRateInput = {
  configs: Array<ConversionRateConfigInput>;
};

/** Daily hours on the program's wall clock (timeZone), HH:MM. */
export type DailyHours = {
  /** Exclusive; not after start: the hours cross midnight and belong to the day they start on. */
  end: Scalars['String']['output'];
  /** Inclusive, e.g. 18:00. */
  start: Scalars['String']['output'];
};

export type DailyHoursInput = {
  end: Scalars['String']['input'];
  start: Scalars['String']['input'];
};

/** Points moved by the ledger entries of one UTC day. */
export type DailyPoints = {
  /** admins' adjustments, signed (ADJUST) */
  adjusted: Scalars['Long']['output'];
  day: Scalars['Date']['output'];
  /** lost to inactivity (EXPIRE) */
  expired: Scalars['Long']['output'];
  /** awarded by earning rules (EARN) */
  issued: Scalars['Long']['output'];
  /** change of points outstanding: tokens minted minus burned for these entries */
  netChange: Scalars['Long']['output'];
  /** spent on rewards (REDEEM) */
  redeemed: Scalars['Long']['output'];
  /** given back for cancelled redemptions */
  refunded: Scalars['Long']['output'];
  /** taken back after order refunds (REVERSE), in full even where part became a debt */
  reversed: Scalars['Long']['output'];
};

/** Orders recorded on one UTC day, in the program's currency. */
export type DailyPurchases = {
  amount: Scalars['Decimal']['output'];
  currency: Scalars['String']['output'];
  day: Scalars['Date']['output'];
  orders: Scalars['Int']['output'];
};

export type DayOfWeek =
  | 'FRIDAY'
  | 'MONDAY'
  | 'SATURDAY'
  | 'SUNDAY'
  | 'THURSDAY'
  | 'TUESDAY'
  | 'WEDNESDAY';

export type DeleteCampaignResult = {
  id: Scalars['ID']['output'];
};

export type DeleteEarningRuleResult = {
  id: Scalars['ID']['output'];
};

export type DeleteRewardResult = {
  id: Scalars['ID']['output'];
};

export type DeleteTierResult = {
  id: Scalars['ID']['output'];
};

/** ROLLING_WINDOW: the tier follows the window's points, down at once. ONE_DOWN: a tier is kept for a period of tiersRollingWindowMonths, then goes down one tier if the points no longer reach it. BALANCE_BASED: kept for the period, then the tier the member's balance reaches (between the earned tier and the current one). */
export type DowngradePolicy =
  | 'BALANCE_BASED'
  | 'ONE_DOWN'
  | 'ROLLING_WINDOW';

/** Points over all members: per period and/or in total. */
export type EarningBudget = {
  perPeriod?: Maybe<Scalars['Long']['output']>;
  period?: Maybe<LimitPeriod>;
  total?: Maybe<Scalars['Long']['output']>;
  usage: Array<BudgetUsage>;
};

export type EarningBudgetInput = {
  perPeriod?: InputMaybe<Scalars['Long']['input']>;
  period?: InputMaybe<LimitPeriod>;
  total?: InputMaybe<Scalars['Long']['input']>;
};

/** An award that would pass a limit is cut to what is left (the award says why). */
export type EarningLimits = {
  budget?: Maybe<EarningBudget>;
  perMember?: Maybe<MemberLimit>;
};

export type EarningLimitsInput = {
  budget?: InputMaybe<EarningBudgetInput>;
  perMember?: InputMaybe<MemberLimitInput>;
};

/** What an activity would earn under the active rules and campaigns. */
export type EarningPreview = {
  awards: Array<PreviewAward>;
  campaignPoints: Scalars['BigInt']['output'];
  /** Every ACTIVE or PAUSED campaign, in the order ties are broken by (priority, then startsAt, then id). */
  campaigns: Array<PreviewCampaign>;
  /** How the total is made, e.g. "rules 30 + 'Double weekend' 30 (STACK) = 60 points". */
  combined: Scalars['String']['output'];
  currency: Scalars['String']['output'];
  /** Why nothing would be earned at all (the program is not ACTIVE); the awards and campaigns still say what they would give once it is. null: it would earn. */
  notEarningReason?: Maybe<Scalars['String']['output']>;
  rulePoints: Scalars['BigInt']['output'];
  /** rulePoints + campaignPoints */
  totalPoints: Scalars['BigInt']['output'];
};

/** How members earn points for an activity. */
export type EarningRule = {
  conversionRate?: Maybe<ConversionRate>;
  createdDate: Scalars['DateTime']['output'];
  fixedAmount?: Maybe<FixedAmount>;
  /** Days the rule's awards are held (the return window) before they can be spent or are minted; null: the program's holdDays (loyaltyProgram.holdDays). */
  holdDays?: Maybe<Scalars['Int']['output']>;
  id: Scalars['ID']['output'];
  kind: EarningRuleKind;
  metadata: EarningRuleMetadata;
  revision: Scalars['Long']['output'];
  sourceAppId: Scalars['String']['output'];
  status: EarningRuleStatus;
  title: Scalars['String']['output'];
  triggerActivityType: Scalars['String']['output'];
  triggerAppId: Scalars['String']['output'];
  updatedDate: Scalars['DateTime']['output'];
};

export type EarningRuleConnection = {
  edges: Array<EarningRuleEdge>;
  /** The rules of this page (the edges' nodes). */
  nodes: Array<EarningRule>;
  pageInfo: PageInfo;
};

export type EarningRuleEdge = {
  cursor: Scalars['String']['output'];
  node: EarningRule;
};

export type EarningRuleFilter = {
  status?: InputMaybe<EarningRuleStatus>;
  triggerActivityType?: InputMaybe<Scalars['String']['input']>;
  triggerAppId?: InputMaybe<Scalars['String']['input']>;
};

/** A new earning rule: give exactly one of fixedAmount or conversionRate. */
export type EarningRuleInput = {
  conversionRate?: InputMaybe<ConversionRateInput>;
  fixedAmount?: InputMaybe<FixedAmountInput>;
  /** Days this rule's awards are held before they count (the return window, 0 to 365; 0: never held). Null or omitted: the program's holdDays. */
  holdDays?: InputMaybe<Scalars['Int']['input']>;
  status?: EarningRuleStatus;
  title: Scalars['String']['input'];
  triggerActivityType: Scalars['String']['input'];
  triggerAppId: Scalars['String']['input'];
};

export type EarningRuleKind =
  | 'AUTOMATED_CUSTOM'
  | 'AUTOMATED_PRE_INSTALLED'
  | 'NON_AUTOMATED';

export type EarningRuleMetadata = {
  /** false for pre-installed rules */
  canBeDeleted: Scalars['Boolean']['output'];
};

export type EarningRuleResult = {
  item?: Maybe<EarningRule>;
  itemMetadata: ItemMetadata;
};

/** A PAUSED rule awards nothing. */
export type EarningRuleStatus =
  | 'ACTIVE'
  | 'PAUSED';

/** A partial update: omitted (or null) fields stay as they are. fixedAmount or conversionRate replaces the configs and may switch the point method. */
export type EarningRuleUpdate = {
  conversionRate?: InputMaybe<ConversionRateInput>;
  fixedAmount?: InputMaybe<FixedAmountInput>;
  /** Days the rule's awards are held (0 to 365). Unlike the other fields, an explicit null is a change: the rule takes the program's holdDays again. */
  holdDays?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<EarningRuleStatus>;
  title?: InputMaybe<Scalars['String']['input']>;
  triggerActivityType?: InputMaybe<Scalars['String']['input']>;
  triggerAppId?: InputMaybe<Scalars['String']['input']>;
};

export type EmailTemplate = {
  /** Placeholders: {name} {member_id} {points} {balance} {event} {tier}. */
  body: Scalars['String']['output'];
  subject: Scalars['String']['output'];
};

export type EmailTemplateInput = {
  body?: InputMaybe<Scalars['String']['input']>;
  subject?: InputMaybe<Scalars['String']['input']>;
};

/** The mint or burn that carries an entry's balance change on chain. */
export type EntryChain = {
  address: Scalars['String']['output'];
  amount: Scalars['Long']['output'];
  /** The batch's row id (mintingStatus). */
  batch?: Maybe<Scalars['Long']['output']>;
  /** The on-chain bytes32 batch id. */
  batchId?: Maybe<Scalars['String']['output']>;
  batchStatus?: Maybe<Scalars['String']['output']>;
  blockNumber?: Maybe<Scalars['Long']['output']>;
  /** Why it is refused or being retried. */
  error?: Maybe<Scalars['String']['output']>;
  /** True once the batch's block is final. */
  final: Scalars['Boolean']['output'];
  /** MINT or BURN. */
  kind: Scalars['String']['output'];
  state: ChainRequestState;
  /** Null until sent, and for a NETTED batch (settled with no transaction). */
  txHash?: Maybe<Scalars['String']['output']>;
};

/** A fixed number of points per qualifying activity. */
export type FixedAmount = {
  configs: Array<FixedAmountConfig>;
};

export type FixedAmountConfig = {
  points: Scalars['Int']['output'];
  /** null: the base tier */
  tierId?: Maybe<Scalars['ID']['output']>;
};

export type FixedAmountConfigInput = {
  points: Scalars['Int']['input'];
  tierId?: InputMaybe<Scalars['ID']['input']>;
};

export type FixedAmountInput = {
  configs: Array<FixedAmountConfigInput>;
};

/** One award still held: not in the balance, not on chain yet. */
export type HeldAward = {
  /** When the activation job makes them available (and mints them). */
  availableAt: Scalars['DateTime']['output'];
  /** As awarded, before any refund. */
  awarded: Scalars['Long']['output'];
  createdDate: Scalars['DateTime']['output'];
  holdDays: Scalars['Int']['output'];
  /** Still held (refunds may have cancelled some). */
  points: Scalars['Long']['output'];
  /** The EARN entry. */
  transactionId: Scalars['ID']['output'];
};

/** Where a held award stands. */
export type HoldState =
  /** Available: an ACTIVATE entry brought it into the balance. */
  | 'ACTIVE'
  /** Refunds inside the window cancelled every point. */
  | 'CANCELLED'
  /** Waiting for availableAt: not spendable. */
  | 'HELD';

/** An address holding tokens, as indexed. */
export type Holder = {
  address: Scalars['String']['output'];
  balance: Scalars['BigInt']['output'];
  lastChangedBlock: Scalars['Long']['output'];
};

/** Order of holders. */
export type HolderOrder =
  | 'ADDRESS'
  | 'BALANCE_DESC';

export type HolderPage = {
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
  nodes: Array<Holder>;
};

/** An import file's format. */
export type ImportFormat =
  | 'CSV'
  | 'NDJSON';

/** What validating an import file found. */
export type ImportReport = {
  /** Points the valid rows bring. */
  balance: Scalars['Long']['output'];
  /** Errors found (one row can have several). */
  errors: Scalars['Long']['output'];
  /** Data rows read. */
  rows: Scalars['Long']['output'];
  valid: Scalars['Long']['output'];
  /** Valid rows with a wallet address. */
  wallets: Scalars['Long']['output'];
};

/** The answer to an upload: nothing is imported while errors is not 0. */
export type ImportResult = {
  /** The first 100 errors in row order; every kept one at errorsUrl or in job.errorItems. */
  errorItems: Array<JobError>;
  /** The error file (CSV) of a refused file. */
  errorsUrl?: Maybe<Scalars['String']['output']>;
  /** None for a dry run; FAILED for a refused file; else PENDING/RUNNING/DONE: job(id) shows the progress. */
  job?: Maybe<Job>;
  /** None when the same file's job existed already (it was not read again). */
  report?: Maybe<ImportReport>;
};

/** The chained digest of every balance change up to the end of a block: two indexers of the same token agree on it at every block, or disagree from the first block where their balances do (docs/indexer.md, 'The bisectable digest'). */
export type IndexerDigest = {
  block: Scalars['Long']['output'];
  /** the newest block ≤ block that changed a balance (null: none yet) */
  changedAt?: Maybe<Scalars['Long']['output']>;
  /** the balance changes of this very block, by address (empty if none) */
  changes: Array<BalanceChange>;
  /** 64 lower-case hex digits (SHA-256) */
  digest: Scalars['String']['output'];
};

/** Where the indexer stands. */
export type IndexerStatus = {
  events: Scalars['Long']['output'];
  finalizedBlock?: Maybe<Scalars['Long']['output']>;
  headBlock?: Maybe<Scalars['Long']['output']>;
  indexedBlock?: Maybe<Scalars['Long']['output']>;
  lagBlocks?: Maybe<Scalars['Long']['output']>;
  lastReorgDepth?: Maybe<Scalars['Int']['output']>;
  reorgsHandled: Scalars['Long']['output'];
};

export type ItemMetadata = {
  error?: Maybe<ApplicationError>;
  originalIndex: Scalars['Int']['output'];
  success: Scalars['Boolean']['output'];
};

/** A bulk adjustment or an import, and how far it got. */
export type Job = {
  /** The API key (name) that created it. */
  createdBy: Scalars['String']['output'];
  createdDate: Scalars['DateTime']['output'];
  /** The refused items in row order, `first` 1-1000 after `afterRow`. */
  errorItems: Array<JobError>;
  /** Items refused (the first 10,000 are kept). */
  errors: Scalars['Long']['output'];
  finishedDate?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  idempotencyKey: Scalars['String']['output'];
  kind: JobKind;
  message?: Maybe<Scalars['String']['output']>;
  /** Items done, each exactly once. */
  processed: Scalars['Long']['output'];
  startedDate?: Maybe<Scalars['DateTime']['output']>;
  state: JobState;
  /** Items to do (an import refused: rows read). */
  total: Scalars['Long']['output'];
};


/** A bulk adjustment or an import, and how far it got. */
export type JobErrorItemsArgs = {
  afterRow?: Scalars['Long']['input'];
  first?: Scalars['Int']['input'];
};

/** One item a job refused: an import's row, or a member. */
export type JobError = {
  field: Scalars['String']['output'];
  memberId?: Maybe<Scalars['String']['output']>;
  reason: Scalars['String']['output'];
  /** An import's data row (1 = first), or the n-th member. */
  row: Scalars['Long']['output'];
};

export type JobKind =
  | 'BULK_ADJUST'
  | 'IMPORT';

/** Where a job is. */
export type JobState =
  | 'DONE'
  /** Refused (an import with invalid rows: nothing applied) or failed. */
  | 'FAILED'
  | 'PENDING'
  | 'RUNNING';

/** A ledger entry of any member, with its chain status. */
export type LedgerTransaction = {
  /** The member's account. */
  account: LoyaltyAccount;
  /** Points as asked, signed (EARN +, REVERSE -). */
  amount: Scalars['Long']['output'];
  balanceAfter: Scalars['Long']['output'];
  /** What the balance (and the member's tokens) did; less than `amount` while a debt is netted or when a reversal found fewer points than it asked. */
  balanceChange: Scalars['Long']['output'];
  campaignId?: Maybe<Scalars['ID']['output']>;
  campaignRevision?: Maybe<Scalars['Long']['output']>;
  /** Null when the entry moved no tokens (balanceChange 0). */
  chain?: Maybe<EntryChain>;
  createdDate: Scalars['DateTime']['output'];
  description: Scalars['String']['output'];
  earningRuleId?: Maybe<Scalars['ID']['output']>;
  earningRuleRevision?: Maybe<Scalars['Long']['output']>;
  /** For an EARN awarded with a hold (the return window) and the ACTIVATE that made it available: the hold's state; null for every other entry. */
  hold?: Maybe<TransactionHold>;
  id: Scalars['ID']['output'];
  memberId: Scalars['String']['output'];
  /** The order's key (checkout id). */
  orderId?: Maybe<Scalars['String']['output']>;
  reversesTransactionId?: Maybe<Scalars['ID']['output']>;
  transactionType: TransactionType;
};

export type LedgerTransactionConnection = {
  edges: Array<LedgerTransactionEdge>;
  /** The transactions of this page (the edges' nodes). */
  nodes: Array<LedgerTransaction>;
  pageInfo: PageInfo;
};

export type LedgerTransactionEdge = {
  cursor: Scalars['String']['output'];
  node: LedgerTransaction;
};

/** Points members hold now, valued at the program's pointValue. */
export type Liability = {
  amount: Scalars['Decimal']['output'];
  currency: Scalars['String']['output'];
  pointValue: Scalars['Decimal']['output'];
  pointsOutstanding: Scalars['Long']['output'];
};

/** DAY, WEEK (Monday to Sunday), MONTH, YEAR on the program's calendar (loyaltyProgram.timeZone), or ROLLING_DAYS: the `days` x 24 hours before each award. */
export type LimitPeriod =
  | 'DAY'
  | 'MONTH'
  | 'ROLLING_DAYS'
  | 'WEEK'
  | 'YEAR';

/** A member's loyalty account. */
export type LoyaltyAccount = {
  createdDate: Scalars['DateTime']['output'];
  custodialAddress: Scalars['String']['output'];
  /** The awards still held (the return window), soonest available first; their sum is points.held. */
  heldPoints: Array<HeldAward>;
  lastActivityDate?: Maybe<Scalars['DateTime']['output']>;
  memberId: Scalars['String']['output'];
  points: Points;
  /** When and how many points will expire; null: none will. */
  pointsExpiration?: Maybe<PointsExpiration>;
  /** Where the member's points are minted: the linked wallet, else custodial. */
  receivingAddress: Scalars['String']['output'];
  /** The member's referral code (issue 15): a friend who arrives with it refers to this member. Stable until regenerateReferralCode; matched in any case. */
  referralCode?: Maybe<Scalars['String']['output']>;
  /** This member's chain requests the token refused (newest 50 first), with the decoded reason; `points.refused` is their signed sum. */
  refusedChainRequests: Array<RefusedChainRequest>;
  revision: Scalars['Long']['output'];
  /** The member's tier now; null is the base tier. */
  tier?: Maybe<Tier>;
  /** Newest first. `first` is 1 to 100 (default 20). */
  transactions: LoyaltyTransactionConnection;
  walletAddress?: Maybe<Scalars['String']['output']>;
  walletLinked: Scalars['Boolean']['output'];
};


/** A member's loyalty account. */
export type LoyaltyAccountTransactionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
};

export type LoyaltyAccountConnection = {
  edges: Array<LoyaltyAccountEdge>;
  /** The accounts of this page (the edges' nodes). */
  nodes: Array<LoyaltyAccount>;
  pageInfo: PageInfo;
};

export type LoyaltyAccountEdge = {
  cursor: Scalars['String']['output'];
  node: LoyaltyAccount;
};

/** Program-wide settings (admin). */
export type LoyaltyProgram = {
  /** The program's base currency (ISO 4217, LOYALTY_CURRENCY): money amounts and pointValue are in it. */
  currency: Scalars['String']['output'];
  emailEnabled: Scalars['Boolean']['output'];
  emailTemplate: EmailTemplate;
  /** Days earned points are held (the return window) before they can be spent or are minted, for every rule without holdDays of its own; 0 (the default): no hold. */
  holdDays: Scalars['Int']['output'];
  /** The program's language tag (BCP 47, LOYALTY_LOCALE): what the admin console formats numbers, money and dates for. */
  locale: Scalars['String']['output'];
  pointDefinition: PointDefinition;
  /** Money value of one point, for the outstanding-points liability. */
  pointValue: Scalars['Decimal']['output'];
  pointsExpiration: PointsExpirationSettings;
  revision: Scalars['Long']['output'];
  status: LoyaltyProgramStatus;
  tiersRollingWindowMonths: Scalars['Int']['output'];
  /** IANA time zone (e.g. Europe/Paris): campaigns' days and hours and limits' periods are read on its wall clock. Default UTC. */
  timeZone: Scalars['String']['output'];
  updatedDate: Scalars['DateTime']['output'];
  webhookUrl?: Maybe<Scalars['String']['output']>;
};

/** Only an ACTIVE program earns and spends points; DRAFT and PAUSED store webhooks as IGNORED and refuse activities, redemptions and adjustments (PROGRAM_NOT_ACTIVE). */
export type LoyaltyProgramStatus =
  | 'ACTIVE'
  | 'DRAFT'
  | 'PAUSED';

/** Partial update: omitted fields stay as they are. */
export type LoyaltyProgramUpdate = {
  emailEnabled?: InputMaybe<Scalars['Boolean']['input']>;
  emailTemplate?: InputMaybe<EmailTemplateInput>;
  /** Days earned points are held, 0 to 365 (0: no hold). */
  holdDays?: InputMaybe<Scalars['Int']['input']>;
  pointDefinition?: InputMaybe<PointDefinitionInput>;
  pointValue?: InputMaybe<Scalars['Decimal']['input']>;
  pointsExpiration?: InputMaybe<PointsExpirationInput>;
  tiersRollingWindowMonths?: InputMaybe<Scalars['Int']['input']>;
  /** IANA time zone name, e.g. Europe/Paris. */
  timeZone?: InputMaybe<Scalars['String']['input']>;
  /** Receiver of signed event webhooks; "" removes it. */
  webhookUrl?: InputMaybe<Scalars['String']['input']>;
};

/** One append-only ledger entry. */
export type LoyaltyTransaction = {
  /** Points as asked, signed (EARN +, REVERSE -). */
  amount: Scalars['Long']['output'];
  balanceAfter: Scalars['Long']['output'];
  /** What the balance (and the member's tokens) did; less than `amount` while a debt is netted or when a reversal found fewer points than it asked. */
  balanceChange: Scalars['Long']['output'];
  createdDate: Scalars['DateTime']['output'];
  description: Scalars['String']['output'];
  earningRuleId?: Maybe<Scalars['ID']['output']>;
  earningRuleRevision?: Maybe<Scalars['Long']['output']>;
  /** For an EARN awarded with a hold (the return window) and the ACTIVATE that made it available: the hold's state; null for every other entry. */
  hold?: Maybe<TransactionHold>;
  id: Scalars['ID']['output'];
  transactionType: TransactionType;
};

export type LoyaltyTransactionConnection = {
  edges: Array<LoyaltyTransactionEdge>;
  /** The transactions of this page (the edges' nodes). */
  nodes: Array<LoyaltyTransaction>;
  pageInfo: PageInfo;
};

export type LoyaltyTransactionEdge = {
  cursor: Scalars['String']['output'];
  node: LoyaltyTransaction;
};

export type MemberBirthday = {
  birthday?: Maybe<Scalars['Date']['output']>;
  memberId: Scalars['String']['output'];
};

export type MemberContact = {
  email?: Maybe<Scalars['String']['output']>;
  memberId: Scalars['String']['output'];
  name?: Maybe<Scalars['String']['output']>;
};

/** What eraseMember did. */
export type MemberErasure = {
  /** Audit-log entries made before the log named members by row id that still carry the member id (the hash chain forbids rewriting them). */
  legacyAuditEntries: Scalars['Long']['output'];
  /** The account's id from now on: random, not derived from the member id. */
  pseudonym: Scalars['String']['output'];
  /** Rows changed or deleted, per table. */
  scrubbed: Scalars['JSON']['output'];
};

/** At most `points` per member per period. */
export type MemberLimit = {
  /** ROLLING_DAYS only */
  days?: Maybe<Scalars['Int']['output']>;
  period: LimitPeriod;
  points: Scalars['Long']['output'];
};

export type MemberLimitInput = {
  days?: InputMaybe<Scalars['Int']['input']>;
  period: LimitPeriod;
  points: Scalars['Long']['input'];
};

/** A member's proof: their leaf, its salt, the sibling of every node on the way up (leaf first) and the root. Check it with verifier/loyalty_verify.py, which imports nothing of this service. */
export type MemberProof = {
  /** where the root was committed on chain; null: the proof is in the live tree (nothing committed yet, the member has no leaf in it, or tree: LIVE was asked) */
  committed?: Maybe<CommittedAt>;
  /** the hash function: sha256 */
  hash: Scalars['String']['output'];
  /** the newest batch final on chain (its row id, as in mintingStatus) */
  lastFinalBatch?: Maybe<Scalars['Long']['output']>;
  leaf: ProofLeaf;
  /** the last ledger entry the live tree includes (null: none, or committed) */
  ledgerEntryId?: Maybe<Scalars['Long']['output']>;
  memberId: Scalars['String']['output'];
  /** the same proof packed as bytes, base64url (about 1.2 KB at 1,000,000 members): the verifier reads it as is (docs/proofs.md, the packed proof) */
  packed: Scalars['String']['output'];
  path: Array<MerkleNode>;
  /** mints and burns not yet final on chain; 0 means the chain, once indexed, holds what this root says */
  pendingChainRequests: Scalars['Int']['output'];
  root: MerkleNode;
  /** the member's 32-byte salt, 0x-hex; keep it private */
  salt: Scalars['String']['output'];
  /** the leaf's position; bit i: right child at level i */
  slot: Scalars['Long']['output'];
  version: Scalars['Int']['output'];
};

/** A member's statement, signed as EIP-712 typed data by the service's statement key (the token's `statementSigner`). Verify with any wallet library: recover the signer from `typedData` and `signature` and compare it with `statementSigner()` on chain. */
export type MemberStatement = {
  /** the receiving address (zero address: none) */
  account: Scalars['String']['output'];
  /** points, a decimal string */
  balance: Scalars['String']['output'];
  debt: Scalars['String']['output'];
  /** points of awards still held (in no balance) */
  heldPoints: Scalars['String']['output'];
  /** unix seconds */
  issuedAt: Scalars['Long']['output'];
  /** the last ledger entry the figures include */
  ledgerEntryId?: Maybe<Scalars['Long']['output']>;
  memberId: Scalars['String']['output'];
  /** the root of the live tree the figures are in (memberProof(tree: LIVE)) */
  publishedRoot: Scalars['String']['output'];
  /** 0x + 64 hex digits: the newest root committed on chain, else publishedRoot */
  root: Scalars['String']['output'];
  /** the block that committed the root */
  rootBlock?: Maybe<Scalars['Long']['output']>;
  /** 'committed on chain', or 'published by the service; not committed on chain' while no batch has committed one */
  rootStatus: Scalars['String']['output'];
  /** 65 bytes r ‖ s ‖ v, 0x-hex */
  signature: Scalars['String']['output'];
  /** the address that signed (checksummed) */
  signer: Scalars['String']['output'];
  /** the signed EIP-712 document as JSON (integers as decimal strings) */
  typedData: Scalars['String']['output'];
};

/** A node of the tree: its hash and the sums beneath it. */
export type MerkleNode = {
  /** points beneath, a decimal string */
  balance: Scalars['String']['output'];
  /** debt beneath, a decimal string */
  debt: Scalars['String']['output'];
  /** 0x + 64 hex digits (SHA-256) */
  hash: Scalars['String']['output'];
};

/** The newest error of a batch that is not final yet. */
export type MintingError = {
  at: Scalars['DateTime']['output'];
  /** the batch's row id */
  batch: Scalars['Long']['output'];
  /** the on-chain bytes32 batch id */
  batchId?: Maybe<Scalars['String']['output']>;
  message: Scalars['String']['output'];
  /** when it is tried again */
  retryAt?: Maybe<Scalars['DateTime']['output']>;
};

/** What the minter is doing. */
export type MintingStatus = {
  /** requests in flight or awaiting finality */
  batchedRequests: Scalars['Int']['output'];
  /** batches by state */
  batches: Array<StatusCount>;
  /** sum of gas used x effective gas price */
  gasSpentWei: Scalars['BigInt']['output'];
  gasUsed: Scalars['BigInt']['output'];
  lastError?: Maybe<MintingError>;
  oldestUnfinishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** requests not yet settled (neither final on chain nor refused) */
  outboxDepth: Scalars['Int']['output'];
  /** net points not yet final (mint - burn) */
  pendingPoints: Scalars['BigInt']['output'];
  /** requests waiting to be sent */
  pendingRequests: Scalars['Int']['output'];
  /** the newest 50 refused requests, newest first */
  refused: Array<RefusedChainRequest>;
  /** signed sum of the refused requests (mints minus burns) */
  refusedPoints: Scalars['BigInt']['output'];
  /** requests the token refused (REFUSED) */
  refusedRequests: Scalars['Int']['output'];
  /** signed transactions by state */
  transactions: Array<StatusCount>;
};

export type MoneyInput = {
  /** ISO 4217 code; must be the program's currency */
  currency: Scalars['String']['input'];
  value: Scalars['Decimal']['input'];
};

export type Mutation = {
  /** DRAFT or PAUSED → ACTIVE at `revision` (admin). Events ignored while the program was not ACTIVE stay ignored. */
  activateLoyaltyProgram: LoyaltyProgram;
  /** Adds, removes or sets points (admin); never below zero. */
  adjustPoints: AdjustPointsResult;
  /** Adds or removes the same points for every member of a filter or list (admin), as a job: it answers at once; `job(id)` shows the progress. A member whose balance cannot take the change is skipped and listed in the job's errorItems. */
  bulkAdjustPoints: Job;
  /** Creates up to 100 earning rules, each on its own: the result says, per item, whether it was created or why not (admin). */
  bulkCreateEarningRules: BulkCreateEarningRulesResult;
  /** Cancels a redemption: its points come back as a REFUND (minted). Cancelling again changes nothing (admin). */
  cancelRedemption: Redemption;
  /** Creates a campaign (admin). */
  createCampaign: Campaign;
  /** Creates an earning rule (admin). */
  createEarningRule: EarningRule;
  /** Creates a member explicitly (admin); DUPLICATE if known. */
  createMember: LoyaltyAccount;
  /** Creates a reward (admin). */
  createReward: Reward;
  /** Creates a tier and re-places every member (admin). */
  createTier: Tier;
  /** Deletes a campaign at `revision`; points it gave stay (admin). */
  deleteCampaign: DeleteCampaignResult;
  /** Deletes a rule at `revision`. Pre-installed rules cannot be deleted, only paused (admin). */
  deleteEarningRule: DeleteEarningRuleResult;
  /** Deletes a reward at `revision` (admin). */
  deleteReward: DeleteRewardResult;
  /** Deletes a tier at `revision`; refused while a rule or reward has a config for it (admin). */
  deleteTier: DeleteTierResult;
  /** Erases the member (admin): id, e-mail and contact gone from every table, the ledger kept under a random pseudonym. `confirm` repeats the member id. Cannot be undone. */
  eraseMember: MemberErasure;
  /** Imports members from a CSV or NDJSON file (admin), uploaded by the GraphQL multipart request spec with the header Apollo-Require-Preflight. Every row is checked first; one refused row and nothing is imported. A clean file becomes a job applied in the background, each row once: the same file again returns the same job. */
  importMembers: ImportResult;
  /** Links the wallet that personal_signed an open challenge; the points held at the old receiving address are moved to it (burn + mint). */
  linkWallet: LoyaltyAccount;
  /** ACTIVE → PAUSED at `revision` (admin): nothing is earned, redeemed or adjusted until activated again; webhooks are stored and answered IGNORED. */
  pauseLoyaltyProgram: LoyaltyProgram;
  /** Records an activity (admin): the matching rules award points once. */
  recordActivity: RecordActivityResult;
  /** Records that `friendMemberId` arrived with `code` (admin: the shop's server). A friend is referred once (ALREADY_REFERRED for another referrer; the same call again answers duplicate); the fraud limits reject with a reason, stored. Codes: REFERRAL_CODE_UNKNOWN, REFERRAL_PROGRAM_NOT_ACTIVE, VALIDATION. */
  recordReferral: RecordReferralResult;
  /** Takes back an order's points in proportion to the amount refunded (admin). */
  recordRefund: RecordRefundResult;
  /** Spends the reward's cost for the member's tier (or the base config) and returns a unique coupon code; the points are burned on chain. The same idempotencyKey returns the first redemption. The member themself, or an admin. */
  redeemReward: Redemption;
  /** A new referral code for the member (the member, or an admin); the old code refers nobody any more. */
  regenerateReferralCode: Scalars['String']['output'];
  /** Sends a REFUSED chain request again, once (admins only): for when the member has brought the points back to their address. It is PENDING again and batched like a new request; refused again, it is REFUSED again. NOT_FOUND for an unknown id, VALIDATION for a request that is not REFUSED. */
  requeueRefusedChainRequest: Scalars['Long']['output'];
  /** Sets the limits of one earning rule or campaign; null limits remove them. Budget already used stays counted (admin). */
  setEarningLimits?: Maybe<EarningLimits>;
  /** Sets the member's birthday (null clears it): on that day each year, in the program's time zone, rules for members/Birthday award it once (the member themself, or admin). VALIDATION for a date in the future or before 1900. */
  setMemberBirthday: MemberBirthday;
  /** Where the member's thank-you e-mails go (the member themself, or admin). */
  setMemberContact: MemberContact;
  /** Changes the given fields of a campaign at `revision` (its current one, else INVALID_REVISION); the revision goes up by one. An ENDED campaign cannot change (admin). */
  updateCampaign: Campaign;
  /** Changes the given fields of a rule at `revision` (its current one, else INVALID_REVISION); the rule's revision goes up by one (admin). */
  updateEarningRule: EarningRule;
  /** Updates the program settings at `revision` (admin). */
  updateLoyaltyProgram: LoyaltyProgram;
  /** Changes the referral program at `revision` (INVALID_REVISION if stale); an ACTIVE program rewards at least one side (admin). */
  updateReferralProgram: ReferralProgram;
  /** Updates a reward at `revision` (admin). */
  updateReward: Reward;
  /** Updates a tier at `revision` (admin). */
  updateTier: Tier;
  /** Changes the tier program at the program settings' `revision` and re-places every member under it (admin). */
  updateTierProgram: TierProgram;
  /** A single-use message (10 minutes) for linkWallet. */
  walletLinkChallenge: WalletLinkChallenge;
};


export type MutationActivateLoyaltyProgramArgs = {
  revision: Scalars['Long']['input'];
};


export type MutationAdjustPointsArgs = {
  input: AdjustPointsInput;
};


export type MutationBulkAdjustPointsArgs = {
  input: BulkAdjustPointsInput;
};


export type MutationBulkCreateEarningRulesArgs = {
  earningRules: Array<EarningRuleInput>;
};


export type MutationCancelRedemptionArgs = {
  redemptionId: Scalars['ID']['input'];
};


export type MutationCreateCampaignArgs = {
  campaign: CampaignInput;
};


export type MutationCreateEarningRuleArgs = {
  earningRule: EarningRuleInput;
};


export type MutationCreateMemberArgs = {
  memberId: Scalars['String']['input'];
};


export type MutationCreateRewardArgs = {
  reward: RewardInput;
};


export type MutationCreateTierArgs = {
  tier: TierInput;
};


export type MutationDeleteCampaignArgs = {
  id: Scalars['ID']['input'];
  revision: Scalars['Long']['input'];
};


export type MutationDeleteEarningRuleArgs = {
  id: Scalars['ID']['input'];
  revision: Scalars['Long']['input'];
};


export type MutationDeleteRewardArgs = {
  id: Scalars['ID']['input'];
  revision: Scalars['Long']['input'];
};


export type MutationDeleteTierArgs = {
  id: Scalars['ID']['input'];
  revision: Scalars['Long']['input'];
};


export type MutationEraseMemberArgs = {
  confirm: Scalars['String']['input'];
  memberId: Scalars['String']['input'];
};


export type MutationImportMembersArgs = {
  dryRun?: Scalars['Boolean']['input'];
  file: Scalars['Upload']['input'];
  format?: InputMaybe<ImportFormat>;
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
};


export type MutationLinkWalletArgs = {
  address: Scalars['String']['input'];
  memberId: Scalars['String']['input'];
  signature: Scalars['String']['input'];
};


export type MutationPauseLoyaltyProgramArgs = {
  revision: Scalars['Long']['input'];
};


export type MutationRecordActivityArgs = {
  input: RecordActivityInput;
};


export type MutationRecordReferralArgs = {
  input: RecordReferralInput;
};


export type MutationRecordRefundArgs = {
  input: RecordRefundInput;
};


export type MutationRedeemRewardArgs = {
  idempotencyKey: Scalars['String']['input'];
  memberId: Scalars['String']['input'];
  rewardId: Scalars['ID']['input'];
};


export type MutationRegenerateReferralCodeArgs = {
  memberId: Scalars['String']['input'];
};


export type MutationRequeueRefusedChainRequestArgs = {
  id: Scalars['Long']['input'];
};


export type MutationSetEarningLimitsArgs = {
  campaignId?: InputMaybe<Scalars['ID']['input']>;
  earningRuleId?: InputMaybe<Scalars['ID']['input']>;
  limits?: InputMaybe<EarningLimitsInput>;
};


export type MutationSetMemberBirthdayArgs = {
  birthday?: InputMaybe<Scalars['Date']['input']>;
  memberId: Scalars['String']['input'];
};


export type MutationSetMemberContactArgs = {
  email?: InputMaybe<Scalars['String']['input']>;
  memberId: Scalars['String']['input'];
  name?: InputMaybe<Scalars['String']['input']>;
};


export type MutationUpdateCampaignArgs = {
  campaign: CampaignUpdate;
  id: Scalars['ID']['input'];
  revision: Scalars['Long']['input'];
};


export type MutationUpdateEarningRuleArgs = {
  earningRule: EarningRuleUpdate;
  id: Scalars['ID']['input'];
  revision: Scalars['Long']['input'];
};


export type MutationUpdateLoyaltyProgramArgs = {
  program: LoyaltyProgramUpdate;
  revision: Scalars['Long']['input'];
};


export type MutationUpdateReferralProgramArgs = {
  program: ReferralProgramUpdate;
  revision: Scalars['Long']['input'];
};


export type MutationUpdateRewardArgs = {
  id: Scalars['ID']['input'];
  revision: Scalars['Long']['input'];
  reward: RewardUpdate;
};


export type MutationUpdateTierArgs = {
  id: Scalars['ID']['input'];
  revision: Scalars['Long']['input'];
  tier: TierUpdate;
};


export type MutationUpdateTierProgramArgs = {
  revision: Scalars['Long']['input'];
  tierProgram: TierProgramUpdate;
};


export type MutationWalletLinkChallengeArgs = {
  memberId: Scalars['String']['input'];
};

/** Where a page sits in its list. */
export type PageInfo = {
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
  hasPreviousPage: Scalars['Boolean']['output'];
  startCursor?: Maybe<Scalars['String']['output']>;
};

/** What the shop calls its points (e.g. Stars), with an icon. */
export type PointDefinition = {
  iconUrl?: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
};

export type PointDefinitionInput = {
  /** "" or null: no icon. */
  iconUrl?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
};

/** balance = earned + adjusted - redeemed - expired - reversed; never negative. */
export type Points = {
  adjusted: Scalars['Long']['output'];
  balance: Scalars['Long']['output'];
  /** Points a refund could not take (already spent), netted against later earnings. */
  debt: Scalars['Long']['output'];
  earned: Scalars['Long']['output'];
  expired: Scalars['Long']['output'];
  /** Points earned but still held (the return window, holdDays): not in the balance, not spendable, not on chain until they become available (heldPoints). */
  held: Scalars['Long']['output'];
  /** The receiving address's balance as indexed from the chain's Transfer logs. */
  onchain: Scalars['Long']['output'];
  /** Signed sum of this member's mints (+) and burns (-) not yet final on chain. */
  pending: Scalars['Long']['output'];
  redeemed: Scalars['Long']['output'];
  /** Signed sum of this member's mints (+) and burns (-) the token refused for their address: never sent again, not pending. A refused burn (-) is points the ledger took that the chain still holds: the member owes them (docs/chain.md). */
  refused: Scalars['Long']['output'];
  /** Taken back after order refunds. */
  reversed: Scalars['Long']['output'];
  /** What the member can spend now: the balance, and for a wallet of their own on a transferable token at most what it holds on chain (as indexed) minus the burns from it in flight (docs/chain.md#wallets-and-transfers). */
  spendable: Scalars['Long']['output'];
};

/** When and how many of the member's points will expire. */
export type PointsExpiration = {
  expirationDate: Scalars['DateTime']['output'];
  expiringPointsAmount: Scalars['Long']['output'];
};

export type PointsExpirationInput = {
  expiringPointsPercentage: Scalars['Int']['input'];
  monthsOfInactivity: Scalars['Int']['input'];
  /** 1 to 365 days before (Wix sends one 14 days before); null: none. */
  reminderDays?: InputMaybe<Scalars['Int']['input']>;
  status: PointsExpirationStatus;
};

export type PointsExpirationSettings = {
  expiringPointsPercentage: Scalars['Int']['output'];
  monthsOfInactivity: Scalars['Int']['output'];
  /** A points.expiring reminder (webhook and e-mail) this many days before points expire, once per expiry (null: none). */
  reminderDays?: Maybe<Scalars['Int']['output']>;
  status: PointsExpirationStatus;
};

export type PointsExpirationStatus =
  | 'DISABLED'
  | 'ENABLED';

export type PreviewAward = {
  /** When held points awarded now would become available. */
  availableAt?: Maybe<Scalars['DateTime']['output']>;
  /** The rule's limits and budgets (empty: none), each with what it has left. */
  caps: Array<PreviewCap>;
  /** Days the award would be held (the rule's holdDays, else the program's; 0: available at once). The reason says 'held N days' when it would be. */
  holdDays: Scalars['Int']['output'];
  /** Why the rule's limits or budget would cut the award, and what is left. */
  limitReason?: Maybe<Scalars['String']['output']>;
  points: Scalars['BigInt']['output'];
  reason: Scalars['String']['output'];
  /** The rule that would award these points. */
  rule?: Maybe<EarningRule>;
  ruleId: Scalars['ID']['output'];
  ruleRevision: Scalars['Long']['output'];
  /** The tier whose config applied (null: the base config). */
  tierId?: Maybe<Scalars['ID']['output']>;
};

/** What a campaign would add to the activity, or why it would not. */
export type PreviewCampaign = {
  applied: Scalars['Boolean']['output'];
  campaignId: Scalars['ID']['output'];
  campaignRevision: Scalars['Long']['output'];
  /** The campaign's limits and budgets (empty: none), each with what is left. */
  caps: Array<PreviewCap>;
  /** STACK, BEST or EXCLUSIVE */
  combination: Scalars['String']['output'];
  /** Days its extra would be held: the longest hold of the rules the activity matches (the order's return window). */
  holdDays: Scalars['Int']['output'];
  /** Why the campaign's limits or budget would cut its extra, and what is left. */
  limitReason?: Maybe<Scalars['String']['output']>;
  /** Extra points it adds (0 unless applied). */
  points: Scalars['BigInt']['output'];
  priority: Scalars['Int']['output'];
  /** How the extra is worked out, or why it does not apply (window closed, condition unmet, outdone or excluded by another campaign, not ACTIVE). */
  reason: Scalars['String']['output'];
  title: Scalars['String']['output'];
};

/** A limit or budget an award is checked against, and what is left. */
export type PreviewCap = {
  /** MEMBER_PERIOD, BUDGET_PERIOD or BUDGET_TOTAL */
  kind: Scalars['String']['output'];
  /** e.g. "200 points per member per DAY" */
  label: Scalars['String']['output'];
  left: Scalars['BigInt']['output'];
  limit: Scalars['BigInt']['output'];
  used: Scalars['BigInt']['output'];
};

/** Every member's points in sum: balance = earned + adjusted - redeemed - expired - reversed. */
export type ProgramTotals = {
  /** Admins' adjustments and the members' own transfers on chain, signed. */
  adjusted: Scalars['Long']['output'];
  balance: Scalars['Long']['output'];
  /** Owed after reversals, netted against earnings. */
  debt: Scalars['Long']['output'];
  earned: Scalars['Long']['output'];
  expired: Scalars['Long']['output'];
  /** Earned but still held by the return window (holdDays): in no balance and not on chain until available (account.points.held, summed). */
  held: Scalars['Long']['output'];
  /** Accounts in the program. */
  members: Scalars['Long']['output'];
  /** Signed sum of mints (+) and burns (-) not yet final on chain. */
  pending: Scalars['Long']['output'];
  /** Spent on rewards, less what was refunded. */
  redeemed: Scalars['Long']['output'];
  /** Taken back after order refunds. */
  reversed: Scalars['Long']['output'];
};

/** A member's leaf. */
export type ProofLeaf = {
  /** the receiving address */
  address?: Maybe<Scalars['String']['output']>;
  balance: Scalars['String']['output'];
  /** sha256(salt ‖ utf8(memberId)), 0x-hex */
  commitment: Scalars['String']['output'];
  debt: Scalars['String']['output'];
};

/** Which tree a member proof is in. */
export type ProofTree =
  | 'COMMITTED'
  | 'LIVE';

export type Query = {
  /** A member's account. Members may read only their own. */
  account: LoyaltyAccount;
  /** The program's accounts (admin or auditor), one keyset page at a time: `first` is 1 to 100 (default 20), `after` an endCursor of the same orderBy and filter (else VALIDATION, field `after`). */
  accounts: LoyaltyAccountConnection;
  /** Program analytics (admins and auditors). Days are UTC; the range defaults to the last 30 days and may span at most 366. */
  analytics: Analytics;
  /** Audits the index against the chain at `block` (admin/auditor). */
  audit: AuditReport;
  /** The admin audit log, newest first (admin or auditor). `first` is 1 to 100 (default 20); `after` an endCursor of the same filter (else VALIDATION). */
  auditLog: AuditLogConnection;
  /** Indexed balance of an address, at the end of `block` if given (time travel). */
  balance: Scalars['BigInt']['output'];
  /** One campaign by id. */
  campaign: Campaign;
  /** Campaigns, oldest first, as a cursor connection. `first` is 1 to 100 (default 50); a larger page is refused with VALIDATION. */
  campaigns: CampaignConnection;
  /** The limits of one rule or campaign, with budget used (admin). */
  earningLimits?: Maybe<EarningLimits>;
  /** One earning rule by id. */
  earningRule: EarningRule;
  /** Earning rules, oldest first, as a cursor connection. `first` is 1 to 100 (default 50); a larger page is refused with VALIDATION, never silently capped. */
  earningRules: EarningRuleConnection;
  /** Everything held about the member, machine-readable (format loyalty.member-data/1): the member themself, an auditor or an admin. */
  exportMemberData: Scalars['JSON']['output'];
  /** Token holders (balance > 0) from the index. */
  holders: HolderPage;
  /** The index's digest at the end of `block` (public). A block not indexed yet is NOT_INDEXED. */
  indexerDigest: IndexerDigest;
  /** Where the indexer stands against the node. */
  indexerStatus: IndexerStatus;
  /** A job and its progress (admins and auditors). */
  job: Job;
  /** Program settings (admins and auditors). */
  loyaltyProgram: LoyaltyProgram;
  /** The member's birthday (the member themself, or admin). */
  memberBirthday: MemberBirthday;
  /** A member's proof of inclusion in the ledger's tree (the member, admins, auditors). */
  memberProof: MemberProof;
  /** A member's signed statement (the member, admins, auditors). */
  memberStatement: MemberStatement;
  /** The minter's state (admins and auditors). */
  mintingStatus: MintingStatus;
  /** For each ACTIVE rule matching the activity's (triggerAppId, activityType), the points it would award and why (0-point awards included, with the reason). Writes nothing. Admins preview anyone's; members only their own. */
  previewEarning: EarningPreview;
  /** The program's points in sum (admin or auditor). */
  programTotals: ProgramTotals;
  /** A member's redemptions, newest first (the member or admin). */
  redemptions: Array<Redemption>;
  /** The referral program's settings. */
  referralProgram: ReferralProgram;
  /** Counts and points of referrals: program-wide (admins, auditors) or of one referring member (a member: their own). */
  referralStats: ReferralStats;
  /** Referrals, newest first (admins and auditors: all; a member: their own as the referring member). `first` is 1 to 100 (default 50). */
  referrals: ReferralConnection;
  reward: Reward;
  /** Rewards, oldest first; `active` filters. */
  rewards: Array<Reward>;
  tier: Tier;
  /** The tier program's status and downgrade policy. */
  tierProgram: TierProgram;
  /** All tiers, lowest threshold first. */
  tiers: Array<Tier>;
  /** The deployed token. */
  token: Token;
  /** The program's ledger entries, newest first by default: admins and auditors read all, a member only their own. `first` is 1 to 100 (default 20), `after` an endCursor of the same orderBy and filter (else VALIDATION, field `after`). */
  transactions: LedgerTransactionConnection;
  /** Transfers in chain order, optionally of one address. */
  transfers: TransferPage;
  /** The caller, as the API sees their credential. */
  viewer: Viewer;
  /** One inbound webhook event by its sender's id (admins and auditors). */
  webhookEvent?: Maybe<WebhookEvent>;
  /** The webhook inbox's backlog (admins and auditors). */
  webhookInbox: WebhookInbox;
};


export type QueryAccountArgs = {
  memberId: Scalars['String']['input'];
};


export type QueryAccountsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AccountFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<AccountOrder>;
};


export type QueryAnalyticsArgs = {
  from?: InputMaybe<Scalars['Date']['input']>;
  to?: InputMaybe<Scalars['Date']['input']>;
};


export type QueryAuditArgs = {
  block: Scalars['Long']['input'];
};


export type QueryAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AuditLogFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryBalanceArgs = {
  address: Scalars['String']['input'];
  block?: InputMaybe<Scalars['Long']['input']>;
};


export type QueryCampaignArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCampaignsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<CampaignFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryEarningLimitsArgs = {
  campaignId?: InputMaybe<Scalars['ID']['input']>;
  earningRuleId?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryEarningRuleArgs = {
  id: Scalars['ID']['input'];
};


export type QueryEarningRulesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<EarningRuleFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryExportMemberDataArgs = {
  memberId: Scalars['String']['input'];
};


export type QueryHoldersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: Scalars['Int']['input'];
  orderBy?: HolderOrder;
};


export type QueryIndexerDigestArgs = {
  block: Scalars['Long']['input'];
};


export type QueryJobArgs = {
  id: Scalars['ID']['input'];
};


export type QueryMemberBirthdayArgs = {
  memberId: Scalars['String']['input'];
};


export type QueryMemberProofArgs = {
  memberId: Scalars['String']['input'];
  tree?: ProofTree;
};


export type QueryMemberStatementArgs = {
  memberId: Scalars['String']['input'];
};


export type QueryPreviewEarningArgs = {
  activity: ActivityInput;
};


export type QueryRedemptionsArgs = {
  memberId: Scalars['String']['input'];
};


export type QueryReferralStatsArgs = {
  memberId?: InputMaybe<Scalars['String']['input']>;
};


export type QueryReferralsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ReferralFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryRewardArgs = {
  id: Scalars['ID']['input'];
};


export type QueryRewardsArgs = {
  active?: InputMaybe<Scalars['Boolean']['input']>;
};


export type QueryTierArgs = {
  id: Scalars['ID']['input'];
};


export type QueryTransactionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<TransactionFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<TransactionOrder>;
};


export type QueryTransfersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<TransferFilter>;
  first?: Scalars['Int']['input'];
};


export type QueryWebhookEventArgs = {
  eventId: Scalars['String']['input'];
  source: Scalars['String']['input'];
};

export type ReasonCount = {
  count: Scalars['Int']['output'];
  reason: ReferralRejection;
};

export type RecordActivityInput = {
  /** e.g. stores/OrderPaid */
  activityType: Scalars['String']['input'];
  amount?: InputMaybe<MoneyInput>;
  /** social/Followed: the channel followed (one award per member and channel). auth/register earns once per member. */
  channel?: InputMaybe<Scalars['String']['input']>;
  /** 1-256 characters; the dedupe key. */
  idempotencyKey: Scalars['String']['input'];
  memberId: Scalars['String']['input'];
  occurredAt?: InputMaybe<Scalars['DateTime']['input']>;
  /** One award per order and rule, however often it is sent. */
  orderId?: InputMaybe<Scalars['String']['input']>;
  /** e.g. stores */
  triggerAppId: Scalars['String']['input'];
};

export type RecordActivityResult = {
  account: LoyaltyAccount;
  awards: Array<Award>;
  campaignAwards: Array<CampaignAward>;
  duplicate: Scalars['Boolean']['output'];
  eventId: Scalars['ID']['output'];
};

export type RecordReferralInput = {
  /** The referring member's code (any case). */
  code: Scalars['String']['input'];
  /** The friend's e-mail. */
  email?: InputMaybe<Scalars['String']['input']>;
  /** The new member; created if unknown. */
  friendMemberId: Scalars['String']['input'];
  /** The sender's IP address. */
  ip?: InputMaybe<Scalars['String']['input']>;
};

export type RecordReferralResult = {
  /** Recorded before: nothing changed. */
  duplicate: Scalars['Boolean']['output'];
  referral: Referral;
};

export type RecordRefundInput = {
  /** Money refunded now, in the base currency. */
  amount: Scalars['Decimal']['input'];
  idempotencyKey: Scalars['String']['input'];
  orderId: Scalars['String']['input'];
};

export type RecordRefundResult = {
  account: LoyaltyAccount;
  /** The member's debt afterwards. */
  debt: Scalars['Long']['output'];
  duplicate: Scalars['Boolean']['output'];
  eventId: Scalars['ID']['output'];
  orderId: Scalars['String']['output'];
  /** The order's refunded total so far. */
  orderRefunded: Scalars['Decimal']['output'];
  /** Of pointsReversed, points still held (the return window) that were cancelled: nothing had been minted, so no chain transaction follows for them. */
  pointsCancelled: Scalars['Long']['output'];
  /** Points asked back by this refund. */
  pointsReversed: Scalars['Long']['output'];
  /** Of which the member still held. */
  pointsTaken: Scalars['Long']['output'];
  refunded: Scalars['Decimal']['output'];
};

/** A redeemed reward and its coupon code. */
export type Redemption = {
  amount: Scalars['Decimal']['output'];
  cancelledDate?: Maybe<Scalars['DateTime']['output']>;
  costInPoints: Scalars['Long']['output'];
  couponCode: Scalars['String']['output'];
  createdDate: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  memberId: Scalars['String']['output'];
  /** The referral this reward was granted for (costInPoints 0), if any. */
  referralId?: Maybe<Scalars['ID']['output']>;
  refundTransactionId?: Maybe<Scalars['ID']['output']>;
  rewardId: Scalars['ID']['output'];
  rewardRevision: Scalars['Long']['output'];
  rewardType: RewardType;
  status: RedemptionStatus;
  tierId?: Maybe<Scalars['ID']['output']>;
  /** The REDEEM ledger entry; null for a reward granted at no cost. */
  transactionId?: Maybe<Scalars['ID']['output']>;
};

export type RedemptionStatus =
  | 'CANCELLED'
  | 'REDEEMED';

export type Referral = {
  code: Scalars['String']['output'];
  createdDate: Scalars['DateTime']['output'];
  friendId: Scalars['String']['output'];
  friendPoints: Scalars['Long']['output'];
  friendRedemptionId?: Maybe<Scalars['ID']['output']>;
  id: Scalars['ID']['output'];
  /** The qualifying order. */
  orderId?: Maybe<Scalars['String']['output']>;
  qualifiedDate?: Maybe<Scalars['DateTime']['output']>;
  reason?: Maybe<ReferralRejection>;
  referrerId: Scalars['String']['output'];
  referrerPoints: Scalars['Long']['output'];
  /** The catalogue reward granted to the referring member (a redemption). */
  referrerRedemptionId?: Maybe<Scalars['ID']['output']>;
  rewardDueDate?: Maybe<Scalars['DateTime']['output']>;
  rewardedDate?: Maybe<Scalars['DateTime']['output']>;
  status: ReferralStatus;
};

export type ReferralConnection = {
  edges: Array<ReferralEdge>;
  pageInfo: PageInfo;
};

export type ReferralEdge = {
  cursor: Scalars['String']['output'];
  node: Referral;
};

export type ReferralFilter = {
  friendId?: InputMaybe<Scalars['String']['input']>;
  reason?: InputMaybe<ReferralRejection>;
  referrerId?: InputMaybe<Scalars['String']['input']>;
  status?: InputMaybe<ReferralStatus>;
};

export type ReferralLimits = {
  /** The same per sender IP address (when the sender passes one). */
  perIpPerWeek?: Maybe<Scalars['Int']['output']>;
  /** Referrals (not rejected) one member may make in any 7 days; null: any. */
  perReferrerPerWeek?: Maybe<Scalars['Int']['output']>;
};

export type ReferralProgram = {
  friendReward: ReferralReward;
  /** Days after qualifying before both rewards are granted (a refund of the qualifying order inside them rejects the referral). */
  holdDays: Scalars['Int']['output'];
  limits: ReferralLimits;
  qualification: ReferralQualification;
  referrerReward: ReferralReward;
  revision: Scalars['Long']['output'];
  status: ReferralProgramStatus;
  updatedDate?: Maybe<Scalars['DateTime']['output']>;
};

/** DRAFT: being set up, nothing recorded; ACTIVE; PAUSED: new referrals are refused, pending ones still qualify and are rewarded. */
export type ReferralProgramStatus =
  | 'ACTIVE'
  | 'DRAFT'
  | 'PAUSED';

export type ReferralProgramUpdate = {
  clearFriendReward?: Scalars['Boolean']['input'];
  clearLimits?: Scalars['Boolean']['input'];
  clearMinimumAmount?: Scalars['Boolean']['input'];
  clearReferrerReward?: Scalars['Boolean']['input'];
  friendPoints?: InputMaybe<Scalars['Int']['input']>;
  friendRewardId?: InputMaybe<Scalars['ID']['input']>;
  holdDays?: InputMaybe<Scalars['Int']['input']>;
  /** A decimal string; see clearMinimumAmount. */
  minimumAmount?: InputMaybe<Scalars['Decimal']['input']>;
  perIpPerWeek?: InputMaybe<Scalars['Int']['input']>;
  perReferrerPerWeek?: InputMaybe<Scalars['Int']['input']>;
  referrerPoints?: InputMaybe<Scalars['Int']['input']>;
  /** A catalogue reward for the referring member: active, with a base config (REFERRAL_REWARD_UNKNOWN, REFERRAL_REWARD_INACTIVE). */
  referrerRewardId?: InputMaybe<Scalars['ID']['input']>;
  status?: InputMaybe<ReferralProgramStatus>;
  trigger?: InputMaybe<ReferralTrigger>;
};

export type ReferralQualification = {
  minimumAmount?: Maybe<Scalars['Decimal']['output']>;
  trigger: ReferralTrigger;
};

/** Why a referral was rejected. */
export type ReferralRejection =
  | 'FRIEND_NOT_NEW'
  | 'IP_WEEKLY_LIMIT'
  | 'ORDER_REFUNDED'
  | 'REFERRER_WEEKLY_LIMIT'
  | 'SAME_EMAIL'
  | 'SAME_WALLET'
  | 'SELF_REFERRAL';

/** What one side receives: points and/or a catalogue reward. */
export type ReferralReward = {
  points: Scalars['Long']['output'];
  /** A reward of the rewards catalogue whose coupon is granted at no cost (listed with the member's redemptions); null: none. */
  rewardId?: Maybe<Scalars['ID']['output']>;
};

export type ReferralStats = {
  byReason: Array<ReasonCount>;
  /** Catalogue rewards granted, both sides. */
  couponsGranted: Scalars['Int']['output'];
  pending: Scalars['Int']['output'];
  /** Both sides' rewards. */
  pointsAwarded: Scalars['Long']['output'];
  /** Qualified, whether rewarded yet or not. */
  qualified: Scalars['Int']['output'];
  referrals: Scalars['Int']['output'];
  rejected: Scalars['Int']['output'];
  rewarded: Scalars['Int']['output'];
};

/** PENDING → QUALIFIED (waiting for the hold) → REWARDED, or REJECTED (reason). */
export type ReferralStatus =
  | 'PENDING'
  | 'QUALIFIED'
  | 'REJECTED'
  | 'REWARDED';

/** What qualifies a referral: the friend's SIGN_UP (the referral itself), or their FIRST_ORDER at or over minimumAmount. */
export type ReferralTrigger =
  | 'FIRST_ORDER'
  | 'SIGN_UP';

/** A chain request the token refused for its address (e.g. a burn the address can no longer cover): taken out of its batch so the others went on, never sent again. A refused burn's points stay taken in the ledger: the member owes them on chain. */
export type RefusedChainRequest = {
  address: Scalars['String']['output'];
  amount: Scalars['Long']['output'];
  /** the REFUSED batch's row id */
  batch?: Maybe<Scalars['Long']['output']>;
  /** the request's row id */
  id: Scalars['Long']['output'];
  /** MINT, BURN or SETTLE (mints and burns in one call) */
  kind: Scalars['String']['output'];
  memberId?: Maybe<Scalars['String']['output']>;
  /** the token's decoded revert, e.g. ERC20InsufficientBalance('0x…', 60, 100) */
  reason: Scalars['String']['output'];
  refusedAt: Scalars['DateTime']['output'];
};

export type Reward = {
  active: Scalars['Boolean']['output'];
  configsByTier: Array<RewardConfig>;
  createdDate: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  revision: Scalars['Long']['output'];
  type: RewardType;
  updatedDate: Scalars['DateTime']['output'];
};

/** What a member of `tierId` (null: base) pays and gets. */
export type RewardConfig = {
  /** The discount, in the base currency. */
  amount: Scalars['Decimal']['output'];
  costInPoints: Scalars['Long']['output'];
  tierId?: Maybe<Scalars['ID']['output']>;
};

export type RewardConfigInput = {
  amount: Scalars['Decimal']['input'];
  costInPoints: Scalars['Long']['input'];
  tierId?: InputMaybe<Scalars['ID']['input']>;
};

export type RewardInput = {
  active?: Scalars['Boolean']['input'];
  configsByTier: Array<RewardConfigInput>;
  name: Scalars['String']['input'];
  type: RewardType;
};

export type RewardType =
  | 'COUPON_REWARD'
  | 'DISCOUNT_AMOUNT';

/** Partial update; configsByTier, when given, replaces them all. */
export type RewardUpdate = {
  active?: InputMaybe<Scalars['Boolean']['input']>;
  configsByTier?: InputMaybe<Array<RewardConfigInput>>;
  name?: InputMaybe<Scalars['String']['input']>;
  type?: InputMaybe<RewardType>;
};

/** What one earning rule awarded in the range. */
export type RulePoints = {
  awards: Scalars['Int']['output'];
  issued: Scalars['Long']['output'];
  reversed: Scalars['Long']['output'];
  ruleId: Scalars['ID']['output'];
  /** null once the rule is deleted */
  title?: Maybe<Scalars['String']['output']>;
};

/** Which way a list is sorted. */
export type SortDirection =
  | 'ASC'
  | 'DESC';

export type StatusCount = {
  count: Scalars['Int']['output'];
  status: Scalars['String']['output'];
};

export type Subscription = {
  /** The member's account each time it changes: a ledger entry (earned, redeemed, adjusted, expired …), a mint or burn becoming final, or one being indexed. Quick successive changes may arrive as one update. The member themself or an admin. */
  accountUpdated: LoyaltyAccount;
  /** Each transfer from or to the address as soon as the indexer stores it (not yet final: a reorg may take it back, see indexerStatus.reorgsHandled). */
  transfers: TokenTransfer;
};


export type SubscriptionAccountUpdatedArgs = {
  memberId: Scalars['String']['input'];
};


export type SubscriptionTransfersArgs = {
  address: Scalars['String']['input'];
};

/** A loyalty tier: a member is in the highest tier whose requiredPoints are at most their points earned + adjusted - reversed within the program's rolling window. */
export type Tier = {
  createdDate: Scalars['DateTime']['output'];
  description?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  requiredPoints: Scalars['Long']['output'];
  revision: Scalars['Long']['output'];
  updatedDate: Scalars['DateTime']['output'];
};

export type TierInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  /** 0 to 9,999,999; unique per tier. */
  requiredPoints: Scalars['Long']['input'];
};

export type TierMembers = {
  members: Scalars['Int']['output'];
  requiredPoints: Scalars['Long']['output'];
  /** null: the base tier */
  tierId?: Maybe<Scalars['ID']['output']>;
  tierName?: Maybe<Scalars['String']['output']>;
};

/** How tiers apply and how members move down. */
export type TierProgram = {
  /** A tier.will_downgrade notification this many days before a projected downgrade (null: none). */
  downgradeNoticeDays?: Maybe<Scalars['Int']['output']>;
  downgradePolicy: DowngradePolicy;
  /** The program settings' revision. */
  revision: Scalars['Long']['output'];
  status: TierProgramStatus;
};

/** ACTIVE: members earn and redeem at their tier's rates. PAUSED: tiers are still computed and shown, everyone earns and redeems at the base tier's rates. DISABLED: as PAUSED, and every account shows the base tier. */
export type TierProgramStatus =
  | 'ACTIVE'
  | 'DISABLED'
  | 'PAUSED';

/** Partial update: omitted fields stay as they are. */
export type TierProgramUpdate = {
  /** 1 to 365; null turns the notice off. */
  downgradeNoticeDays?: InputMaybe<Scalars['Int']['input']>;
  downgradePolicy?: InputMaybe<DowngradePolicy>;
  status?: InputMaybe<TierProgramStatus>;
};

/** Partial update: omitted fields stay as they are. */
export type TierUpdate = {
  description?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  requiredPoints?: InputMaybe<Scalars['Long']['input']>;
};

/** The LoyaltyPoints ERC-20 token this service mints. */
export type Token = {
  address: Scalars['String']['output'];
  chainId: Scalars['Long']['output'];
  decimals: Scalars['Int']['output'];
  deploymentBlock: Scalars['Long']['output'];
  /** Number of addresses holding tokens (from the index). */
  holders: Scalars['Long']['output'];
  name: Scalars['String']['output'];
  symbol: Scalars['String']['output'];
  /** Total supply at the indexed block (from the index). */
  totalSupply: Scalars['BigInt']['output'];
  transferable: Scalars['Boolean']['output'];
};

/** An ERC-20 Transfer log (mints from and burns to the zero address). */
export type TokenTransfer = {
  blockNumber: Scalars['Long']['output'];
  fromAddress: Scalars['String']['output'];
  logIndex: Scalars['Int']['output'];
  toAddress: Scalars['String']['output'];
  txHash: Scalars['String']['output'];
  value: Scalars['BigInt']['output'];
};

export type TopMember = {
  balance: Scalars['Long']['output'];
  /** lifetime points earned */
  earned: Scalars['Long']['output'];
  memberId: Scalars['String']['output'];
  tierId?: Maybe<Scalars['ID']['output']>;
};

export type TopMembersOrder =
  | 'BALANCE'
  | 'EARNED';

/** Every given condition must hold. */
export type TransactionFilter = {
  /** The campaign whose extra points the entry holds. */
  campaignId?: InputMaybe<Scalars['ID']['input']>;
  /** Inclusive instant. */
  from?: InputMaybe<Scalars['DateTime']['input']>;
  /** NOT_FOUND if unknown. */
  memberId?: InputMaybe<Scalars['String']['input']>;
  /** The order's key (checkout id) or its Wix order id. */
  orderId?: InputMaybe<Scalars['String']['input']>;
  /** The earning rule that gave the entry. */
  ruleId?: InputMaybe<Scalars['ID']['input']>;
  /** Exclusive instant. */
  to?: InputMaybe<Scalars['DateTime']['input']>;
  /** Any of these types (at least one). */
  types?: InputMaybe<Array<TransactionType>>;
};

/** The hold an entry belongs to (the return window). */
export type TransactionHold = {
  /** The ACTIVATE entry, once available. */
  activationTransactionId?: Maybe<Scalars['ID']['output']>;
  availableAt: Scalars['DateTime']['output'];
  awarded: Scalars['Long']['output'];
  /** The held EARN entry. */
  heldTransactionId: Scalars['ID']['output'];
  holdDays: Scalars['Int']['output'];
  /** Still held (0 once ACTIVE or CANCELLED). */
  points: Scalars['Long']['output'];
  state: HoldState;
};

/** Default: newest first. */
export type TransactionOrder = {
  direction?: SortDirection;
  field?: TransactionOrderField;
};

/** What `transactions` is sorted by. */
export type TransactionOrderField =
  /** Ledger order: entries are appended, the id breaks no tie. */
  | 'CREATED';

/** What a ledger entry did (Wix's types plus REVERSE, the member's own transfers on chain, TRANSFER_OUT / TRANSFER_IN, IMPORT, and ACTIVATE: held points that became available). */
export type TransactionType =
  | 'ACTIVATE'
  | 'ADJUST'
  | 'EARN'
  | 'EXPIRE'
  /** A balance brought from the program this one replaced. */
  | 'IMPORT'
  | 'REDEEM'
  | 'REFUND'
  | 'REVERSE'
  | 'TRANSFER_IN'
  | 'TRANSFER_OUT';

export type TransferFilter = {
  address?: InputMaybe<Scalars['String']['input']>;
  fromBlock?: InputMaybe<Scalars['Long']['input']>;
  toBlock?: InputMaybe<Scalars['Long']['input']>;
};

export type TransferPage = {
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
  nodes: Array<TokenTransfer>;
};

export type Viewer = {
  memberId?: Maybe<Scalars['String']['output']>;
  role: ViewerRole;
};

/** ADMIN writes; AUDITOR reads everything; MEMBER reads their own. */
export type ViewerRole =
  | 'ADMIN'
  | 'ANONYMOUS'
  | 'AUDITOR'
  | 'MEMBER';

/** Sign `message` with the wallet (personal_sign), then linkWallet. */
export type WalletLinkChallenge = {
  expiresDate: Scalars['DateTime']['output'];
  memberId: Scalars['String']['output'];
  message: Scalars['String']['output'];
};

export type WebhookError = {
  code: Scalars['String']['output'];
  message: Scalars['String']['output'];
};

/** An inbound webhook event as stored and processed. */
export type WebhookEvent = {
  attempts: Scalars['Int']['output'];
  /** why it FAILED, or why the last attempt of a PENDING event did not succeed */
  error?: Maybe<WebhookError>;
  /** the sender's event id / webhook-id */
  eventId: Scalars['String']['output'];
  /** the eventId of the webhook's answer */
  id: Scalars['Long']['output'];
  /** ACTIVITY, REFUND or IGNORED */
  kind: Scalars['String']['output'];
  processedAt?: Maybe<Scalars['DateTime']['output']>;
  receivedAt: Scalars['DateTime']['output'];
  /** the outcome as JSON (awards, or points reversed) once DONE */
  result?: Maybe<Scalars['String']['output']>;
  /** wix or events */
  source: Scalars['String']['output'];
  /** PENDING, DONE or FAILED */
  state: Scalars['String']['output'];
};

/** Webhooks stored but not processed yet, and those that failed. */
export type WebhookInbox = {
  failed: Scalars['Int']['output'];
  oldestPendingAt?: Maybe<Scalars['DateTime']['output']>;
  pending: Scalars['Int']['output'];
  /** pending, waiting to be retried */
  retrying: Scalars['Int']['output'];
};

export type WhoQueryVariables = Exact<{ [key: string]: never; }>;


export type WhoQuery = { viewer: { role: ViewerRole, memberId?: string | null }, loyaltyProgram: { locale: string, currency: string, timeZone: string } };

export type CampaignsQueryVariables = Exact<{ [key: string]: never; }>;


export type CampaignsQuery = { campaigns: { edges: Array<{ node: { id: string, revision: number, title: string, status: CampaignStatus, combination: CampaignCombination, priority: number, window: { startsAt: string, endsAt?: string | null, daysOfWeek?: Array<DayOfWeek> | null, hours?: { start: string, end: string } | null }, conditions: { minimumAmount?: string | null, activityTypes: Array<string> }, effect: { kind: CampaignEffectKind, multiplier?: string | null, bonusPoints?: number | null } } }> }, loyaltyProgram: { timeZone: string, currency: string } };

export type CreateCampaignMutationVariables = Exact<{
  c: CampaignInput;
}>;


export type CreateCampaignMutation = { createCampaign: { id: string } };

export type UpdateCampaignMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  rev: Scalars['Long']['input'];
  u: CampaignUpdate;
}>;


export type UpdateCampaignMutation = { updateCampaign: { id: string } };

export type DeleteCampaignMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  rev: Scalars['Long']['input'];
}>;


export type DeleteCampaignMutation = { deleteCampaign: { id: string } };

export type CatalogQueryVariables = Exact<{ [key: string]: never; }>;


export type CatalogQuery = { tiers: Array<{ id: string, revision: number, name: string, description?: string | null, requiredPoints: number }>, rewards: Array<{ id: string, revision: number, name: string, type: RewardType, active: boolean, configsByTier: Array<{ tierId?: string | null, amount: string, costInPoints: number }> }>, loyaltyProgram: { currency: string } };

export type CreateTierMutationVariables = Exact<{
  t: TierInput;
}>;


export type CreateTierMutation = { createTier: { id: string } };

export type UpdateTierMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  rev: Scalars['Long']['input'];
  t: TierUpdate;
}>;


export type UpdateTierMutation = { updateTier: { id: string } };

export type DeleteTierMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  rev: Scalars['Long']['input'];
}>;


export type DeleteTierMutation = { deleteTier: { id: string } };

export type CreateRewardMutationVariables = Exact<{
  r: RewardInput;
}>;


export type CreateRewardMutation = { createReward: { id: string } };

export type UpdateRewardMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  rev: Scalars['Long']['input'];
  r: RewardUpdate;
}>;


export type UpdateRewardMutation = { updateReward: { id: string } };

export type JobQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type JobQuery = { job: { id: string, kind: JobKind, state: JobState, total: number, processed: number, errors: number, message?: string | null, errorItems: Array<{ row: number, memberId?: string | null, reason: string }> } };

export type ImportTiersQueryVariables = Exact<{ [key: string]: never; }>;


export type ImportTiersQuery = { tiers: Array<{ id: string, name: string }> };

export type BulkAdjustMutationVariables = Exact<{
  i: BulkAdjustPointsInput;
}>;


export type BulkAdjustMutation = { bulkAdjustPoints: { id: string } };

export type MemberQueryVariables = Exact<{
  m: Scalars['String']['input'];
  f?: InputMaybe<TransactionFilter>;
}>;


export type MemberQuery = { account: { memberId: string, revision: number, receivingAddress: string, walletLinked: boolean, lastActivityDate?: string | null, createdDate: string, referralCode?: string | null, points: { balance: number, earned: number, adjusted: number, redeemed: number, expired: number, debt: number, held: number, pending: number, onchain: number, spendable: number }, heldPoints: Array<{ points: number, availableAt: string }>, tier?: { id: string, name: string } | null, pointsExpiration?: { expirationDate: string, expiringPointsAmount: number } | null }, transactions: { edges: Array<{ node: { id: string, transactionType: TransactionType, amount: number, balanceAfter: number, description: string, createdDate: string, chain?: { state: ChainRequestState, final: boolean, txHash?: string | null, blockNumber?: number | null } | null } }> }, redemptions: Array<{ id: string, rewardId: string, couponCode: string, costInPoints: number, status: RedemptionStatus, createdDate: string }>, rewards: Array<{ id: string, name: string, configsByTier: Array<{ costInPoints: number }> }>, tiers: Array<{ id: string, name: string, requiredPoints: number }> };

export type AdjustMutationVariables = Exact<{
  i: AdjustPointsInput;
}>;


export type AdjustMutation = { adjustPoints: { amount: number } };

export type RedeemMutationVariables = Exact<{
  m: Scalars['String']['input'];
  r: Scalars['ID']['input'];
  k: Scalars['String']['input'];
}>;


export type RedeemMutation = { redeemReward: { couponCode: string, costInPoints: number } };

export type CancelRedemptionMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type CancelRedemptionMutation = { cancelRedemption: { status: RedemptionStatus } };

export type EraseMutationVariables = Exact<{
  m: Scalars['String']['input'];
  c: Scalars['String']['input'];
}>;


export type EraseMutation = { eraseMember: { pseudonym: string } };

export type MembersQueryVariables = Exact<{
  f?: InputMaybe<AccountFilter>;
  o?: InputMaybe<AccountOrder>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type MembersQuery = { accounts: { edges: Array<{ node: { memberId: string, lastActivityDate?: string | null, points: { balance: number, earned: number }, tier?: { name: string } | null } }>, pageInfo: { hasNextPage: boolean, endCursor?: string | null } }, tiers: Array<{ id: string, name: string }> };

export type OperationsQueryVariables = Exact<{ [key: string]: never; }>;


export type OperationsQuery = { token: { name: string, symbol: string, address: string, chainId: number, totalSupply: string, holders: number, transferable: boolean }, mintingStatus: { outboxDepth: number, pendingRequests: number, pendingPoints: string, oldestUnfinishedAt?: string | null, refusedRequests: number, batches: Array<{ status: string, count: number }>, lastError?: { message: string } | null }, indexerStatus: { headBlock?: number | null, finalizedBlock?: number | null, indexedBlock?: number | null, lagBlocks?: number | null, reorgsHandled: number }, webhookInbox: { pending: number, failed: number }, transfers: { nodes: Array<{ blockNumber: number, fromAddress: string, toAddress: string, value: string, txHash: string }> } };

export type AuditQueryVariables = Exact<{
  b: Scalars['Long']['input'];
}>;


export type AuditQuery = { audit: { block: number, clean: boolean, digest: string, holders: number, findings: Array<{ code: string, message: string }> } };

export type OverviewQueryVariables = Exact<{
  from?: InputMaybe<Scalars['Date']['input']>;
  to?: InputMaybe<Scalars['Date']['input']>;
}>;


export type OverviewQuery = { programTotals: { members: number, balance: number, earned: number, redeemed: number, expired: number, held: number, pending: number }, analytics: { from: string, to: string, pointsIssuedPerDay: Array<{ day: string, issued: number, redeemed: number, expired: number, netChange: number }>, pointsPerRule: Array<{ ruleId: string, title?: string | null, awards: number, issued: number, reversed: number }>, pointsPerCampaign: Array<{ campaignId: string, title?: string | null, awards: number, issued: number, reversed: number }>, membersPerTier: Array<{ tierId?: string | null, tierName?: string | null, requiredPoints: number, members: number }>, topMembers: Array<{ memberId: string, balance: number, earned: number }>, liability: { pointsOutstanding: number, pointValue: string, amount: string, currency: string } } };

export type ProgramQueryVariables = Exact<{ [key: string]: never; }>;


export type ProgramQuery = { loyaltyProgram: { revision: number, status: LoyaltyProgramStatus, tiersRollingWindowMonths: number, pointValue: string, holdDays: number, emailEnabled: boolean, webhookUrl?: string | null, timeZone: string, updatedDate: string, currency: string, locale: string, pointDefinition: { name: string, iconUrl?: string | null }, pointsExpiration: { status: PointsExpirationStatus, monthsOfInactivity: number, expiringPointsPercentage: number }, emailTemplate: { subject: string, body: string } } };

export type UpdateProgramMutationVariables = Exact<{
  rev: Scalars['Long']['input'];
  p: LoyaltyProgramUpdate;
}>;


export type UpdateProgramMutation = { updateLoyaltyProgram: { revision: number } };

export type PauseProgramMutationVariables = Exact<{
  rev: Scalars['Long']['input'];
}>;


export type PauseProgramMutation = { pauseLoyaltyProgram: { status: LoyaltyProgramStatus } };

export type ActivateProgramMutationVariables = Exact<{
  rev: Scalars['Long']['input'];
}>;


export type ActivateProgramMutation = { activateLoyaltyProgram: { status: LoyaltyProgramStatus } };

export type ReferralsQueryVariables = Exact<{ [key: string]: never; }>;


export type ReferralsQuery = { referralProgram: { revision: number, status: ReferralProgramStatus, holdDays: number, referrerReward: { points: number }, friendReward: { points: number }, qualification: { trigger: ReferralTrigger, minimumAmount?: string | null }, limits: { perReferrerPerWeek?: number | null, perIpPerWeek?: number | null } }, referralStats: { referrals: number, pending: number, qualified: number, rewarded: number, rejected: number, pointsAwarded: number, byReason: Array<{ reason: ReferralRejection, count: number }> }, referrals: { edges: Array<{ node: { id: string, referrerId: string, friendId: string, status: ReferralStatus, reason?: ReferralRejection | null, createdDate: string, rewardedDate?: string | null, referrerPoints: number, friendPoints: number } }> }, loyaltyProgram: { currency: string } };

export type UpdateReferralsMutationVariables = Exact<{
  rev: Scalars['Long']['input'];
  p: ReferralProgramUpdate;
}>;


export type UpdateReferralsMutation = { updateReferralProgram: { revision: number } };

export type RulesQueryVariables = Exact<{
  f?: InputMaybe<EarningRuleFilter>;
}>;


export type RulesQuery = { earningRules: { edges: Array<{ node: { id: string, revision: number, title: string, triggerAppId: string, triggerActivityType: string, status: EarningRuleStatus, kind: EarningRuleKind, fixedAmount?: { configs: Array<{ tierId?: string | null, points: number }> } | null, conversionRate?: { configs: Array<{ tierId?: string | null, moneyAmount: string, points: number }> } | null, metadata: { canBeDeleted: boolean } } }> }, tiers: Array<{ id: string, name: string, requiredPoints: number }>, loyaltyProgram: { currency: string } };

export type CreateRuleMutationVariables = Exact<{
  r: EarningRuleInput;
}>;


export type CreateRuleMutation = { createEarningRule: { id: string, revision: number } };

export type UpdateRuleMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  rev: Scalars['Long']['input'];
  u: EarningRuleUpdate;
}>;


export type UpdateRuleMutation = { updateEarningRule: { id: string, revision: number } };

export type DeleteRuleMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  rev: Scalars['Long']['input'];
}>;


export type DeleteRuleMutation = { deleteEarningRule: { id: string } };

export type PreviewQueryVariables = Exact<{
  a: ActivityInput;
}>;


export type PreviewQuery = { previewEarning: { totalPoints: string, rulePoints: string, campaignPoints: string, awards: Array<{ points: string, reason: string, rule?: { title: string } | null }>, campaigns: Array<{ title: string, points: string, applied: boolean, reason: string }> } };

export type TransactionsQueryVariables = Exact<{
  f?: InputMaybe<TransactionFilter>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type TransactionsQuery = { transactions: { edges: Array<{ node: { id: string, transactionType: TransactionType, amount: number, balanceAfter: number, description: string, createdDate: string, memberId: string, orderId?: string | null, chain?: { state: ChainRequestState, final: boolean, txHash?: string | null, blockNumber?: number | null } | null } }>, pageInfo: { hasNextPage: boolean, endCursor?: string | null } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const WhoDocument = new TypedDocumentString(`
    query Who {
  viewer {
    role
    memberId
  }
  loyaltyProgram {
    locale
    currency
    timeZone
  }
}
    `) as unknown as TypedDocumentString<WhoQuery, WhoQueryVariables>;
export const CampaignsDocument = new TypedDocumentString(`
    query Campaigns {
  campaigns(first: 100) {
    edges {
      node {
        id
        revision
        title
        status
        combination
        priority
        window {
          startsAt
          endsAt
          daysOfWeek
          hours {
            start
            end
          }
        }
        conditions {
          minimumAmount
          activityTypes
        }
        effect {
          kind
          multiplier
          bonusPoints
        }
      }
    }
  }
  loyaltyProgram {
    timeZone
    currency
  }
}
    `) as unknown as TypedDocumentString<CampaignsQuery, CampaignsQueryVariables>;
export const CreateCampaignDocument = new TypedDocumentString(`
    mutation CreateCampaign($c: CampaignInput!) {
  createCampaign(campaign: $c) {
    id
  }
}
    `) as unknown as TypedDocumentString<CreateCampaignMutation, CreateCampaignMutationVariables>;
export const UpdateCampaignDocument = new TypedDocumentString(`
    mutation UpdateCampaign($id: ID!, $rev: Long!, $u: CampaignUpdate!) {
  updateCampaign(id: $id, revision: $rev, campaign: $u) {
    id
  }
}
    `) as unknown as TypedDocumentString<UpdateCampaignMutation, UpdateCampaignMutationVariables>;
export const DeleteCampaignDocument = new TypedDocumentString(`
    mutation DeleteCampaign($id: ID!, $rev: Long!) {
  deleteCampaign(id: $id, revision: $rev) {
    id
  }
}
    `) as unknown as TypedDocumentString<DeleteCampaignMutation, DeleteCampaignMutationVariables>;
export const CatalogDocument = new TypedDocumentString(`
    query Catalog {
  tiers {
    id
    revision
    name
    description
    requiredPoints
  }
  rewards {
    id
    revision
    name
    type
    active
    configsByTier {
      tierId
      amount
      costInPoints
    }
  }
  loyaltyProgram {
    currency
  }
}
    `) as unknown as TypedDocumentString<CatalogQuery, CatalogQueryVariables>;
export const CreateTierDocument = new TypedDocumentString(`
    mutation CreateTier($t: TierInput!) {
  createTier(tier: $t) {
    id
  }
}
    `) as unknown as TypedDocumentString<CreateTierMutation, CreateTierMutationVariables>;
export const UpdateTierDocument = new TypedDocumentString(`
    mutation UpdateTier($id: ID!, $rev: Long!, $t: TierUpdate!) {
  updateTier(id: $id, revision: $rev, tier: $t) {
    id
  }
}
    `) as unknown as TypedDocumentString<UpdateTierMutation, UpdateTierMutationVariables>;
export const DeleteTierDocument = new TypedDocumentString(`
    mutation DeleteTier($id: ID!, $rev: Long!) {
  deleteTier(id: $id, revision: $rev) {
    id
  }
}
    `) as unknown as TypedDocumentString<DeleteTierMutation, DeleteTierMutationVariables>;
export const CreateRewardDocument = new TypedDocumentString(`
    mutation CreateReward($r: RewardInput!) {
  createReward(reward: $r) {
    id
  }
}
    `) as unknown as TypedDocumentString<CreateRewardMutation, CreateRewardMutationVariables>;
export const UpdateRewardDocument = new TypedDocumentString(`
    mutation UpdateReward($id: ID!, $rev: Long!, $r: RewardUpdate!) {
  updateReward(id: $id, revision: $rev, reward: $r) {
    id
  }
}
    `) as unknown as TypedDocumentString<UpdateRewardMutation, UpdateRewardMutationVariables>;
export const JobDocument = new TypedDocumentString(`
    query Job($id: ID!) {
  job(id: $id) {
    id
    kind
    state
    total
    processed
    errors
    message
    errorItems(first: 20) {
      row
      memberId
      reason
    }
  }
}
    `) as unknown as TypedDocumentString<JobQuery, JobQueryVariables>;
export const ImportTiersDocument = new TypedDocumentString(`
    query ImportTiers {
  tiers {
    id
    name
  }
}
    `) as unknown as TypedDocumentString<ImportTiersQuery, ImportTiersQueryVariables>;
export const BulkAdjustDocument = new TypedDocumentString(`
    mutation BulkAdjust($i: BulkAdjustPointsInput!) {
  bulkAdjustPoints(input: $i) {
    id
  }
}
    `) as unknown as TypedDocumentString<BulkAdjustMutation, BulkAdjustMutationVariables>;
export const MemberDocument = new TypedDocumentString(`
    query Member($m: String!, $f: TransactionFilter) {
  account(memberId: $m) {
    memberId
    revision
    receivingAddress
    walletLinked
    lastActivityDate
    createdDate
    referralCode
    points {
      balance
      earned
      adjusted
      redeemed
      expired
      debt
      held
      pending
      onchain
      spendable
    }
    heldPoints {
      points
      availableAt
    }
    tier {
      id
      name
    }
    pointsExpiration {
      expirationDate
      expiringPointsAmount
    }
  }
  transactions(filter: $f, first: 50) {
    edges {
      node {
        id
        transactionType
        amount
        balanceAfter
        description
        createdDate
        chain {
          state
          final
          txHash
          blockNumber
        }
      }
    }
  }
  redemptions(memberId: $m) {
    id
    rewardId
    couponCode
    costInPoints
    status
    createdDate
  }
  rewards(active: true) {
    id
    name
    configsByTier {
      costInPoints
    }
  }
  tiers {
    id
    name
    requiredPoints
  }
}
    `) as unknown as TypedDocumentString<MemberQuery, MemberQueryVariables>;
export const AdjustDocument = new TypedDocumentString(`
    mutation Adjust($i: AdjustPointsInput!) {
  adjustPoints(input: $i) {
    amount
  }
}
    `) as unknown as TypedDocumentString<AdjustMutation, AdjustMutationVariables>;
export const RedeemDocument = new TypedDocumentString(`
    mutation Redeem($m: String!, $r: ID!, $k: String!) {
  redeemReward(memberId: $m, rewardId: $r, idempotencyKey: $k) {
    couponCode
    costInPoints
  }
}
    `) as unknown as TypedDocumentString<RedeemMutation, RedeemMutationVariables>;
export const CancelRedemptionDocument = new TypedDocumentString(`
    mutation CancelRedemption($id: ID!) {
  cancelRedemption(redemptionId: $id) {
    status
  }
}
    `) as unknown as TypedDocumentString<CancelRedemptionMutation, CancelRedemptionMutationVariables>;
export const EraseDocument = new TypedDocumentString(`
    mutation Erase($m: String!, $c: String!) {
  eraseMember(memberId: $m, confirm: $c) {
    pseudonym
  }
}
    `) as unknown as TypedDocumentString<EraseMutation, EraseMutationVariables>;
export const MembersDocument = new TypedDocumentString(`
    query Members($f: AccountFilter, $o: AccountOrder, $after: String) {
  accounts(filter: $f, orderBy: $o, first: 50, after: $after) {
    edges {
      node {
        memberId
        lastActivityDate
        points {
          balance
          earned
        }
        tier {
          name
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
  tiers {
    id
    name
  }
}
    `) as unknown as TypedDocumentString<MembersQuery, MembersQueryVariables>;
export const OperationsDocument = new TypedDocumentString(`
    query Operations {
  token {
    name
    symbol
    address
    chainId
    totalSupply
    holders
    transferable
  }
  mintingStatus {
    outboxDepth
    pendingRequests
    pendingPoints
    oldestUnfinishedAt
    refusedRequests
    batches {
      status
      count
    }
    lastError {
      message
    }
  }
  indexerStatus {
    headBlock
    finalizedBlock
    indexedBlock
    lagBlocks
    reorgsHandled
  }
  webhookInbox {
    pending
    failed
  }
  transfers(first: 10) {
    nodes {
      blockNumber
      fromAddress
      toAddress
      value
      txHash
    }
  }
}
    `) as unknown as TypedDocumentString<OperationsQuery, OperationsQueryVariables>;
export const AuditDocument = new TypedDocumentString(`
    query Audit($b: Long!) {
  audit(block: $b) {
    block
    clean
    digest
    holders
    findings {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<AuditQuery, AuditQueryVariables>;
export const OverviewDocument = new TypedDocumentString(`
    query Overview($from: Date, $to: Date) {
  programTotals {
    members
    balance
    earned
    redeemed
    expired
    held
    pending
  }
  analytics(from: $from, to: $to) {
    from
    to
    pointsIssuedPerDay {
      day
      issued
      redeemed
      expired
      netChange
    }
    pointsPerRule {
      ruleId
      title
      awards
      issued
      reversed
    }
    pointsPerCampaign {
      campaignId
      title
      awards
      issued
      reversed
    }
    membersPerTier {
      tierId
      tierName
      requiredPoints
      members
    }
    topMembers(first: 10) {
      memberId
      balance
      earned
    }
    liability {
      pointsOutstanding
      pointValue
      amount
      currency
    }
  }
}
    `) as unknown as TypedDocumentString<OverviewQuery, OverviewQueryVariables>;
export const ProgramDocument = new TypedDocumentString(`
    query Program {
  loyaltyProgram {
    revision
    status
    pointDefinition {
      name
      iconUrl
    }
    tiersRollingWindowMonths
    pointsExpiration {
      status
      monthsOfInactivity
      expiringPointsPercentage
    }
    pointValue
    holdDays
    emailEnabled
    emailTemplate {
      subject
      body
    }
    webhookUrl
    timeZone
    updatedDate
    currency
    locale
  }
}
    `) as unknown as TypedDocumentString<ProgramQuery, ProgramQueryVariables>;
export const UpdateProgramDocument = new TypedDocumentString(`
    mutation UpdateProgram($rev: Long!, $p: LoyaltyProgramUpdate!) {
  updateLoyaltyProgram(revision: $rev, program: $p) {
    revision
  }
}
    `) as unknown as TypedDocumentString<UpdateProgramMutation, UpdateProgramMutationVariables>;
export const PauseProgramDocument = new TypedDocumentString(`
    mutation PauseProgram($rev: Long!) {
  pauseLoyaltyProgram(revision: $rev) {
    status
  }
}
    `) as unknown as TypedDocumentString<PauseProgramMutation, PauseProgramMutationVariables>;
export const ActivateProgramDocument = new TypedDocumentString(`
    mutation ActivateProgram($rev: Long!) {
  activateLoyaltyProgram(revision: $rev) {
    status
  }
}
    `) as unknown as TypedDocumentString<ActivateProgramMutation, ActivateProgramMutationVariables>;
export const ReferralsDocument = new TypedDocumentString(`
    query Referrals {
  referralProgram {
    revision
    status
    referrerReward {
      points
    }
    friendReward {
      points
    }
    qualification {
      trigger
      minimumAmount
    }
    holdDays
    limits {
      perReferrerPerWeek
      perIpPerWeek
    }
  }
  referralStats {
    referrals
    pending
    qualified
    rewarded
    rejected
    byReason {
      reason
      count
    }
    pointsAwarded
  }
  referrals(first: 50) {
    edges {
      node {
        id
        referrerId
        friendId
        status
        reason
        createdDate
        rewardedDate
        referrerPoints
        friendPoints
      }
    }
  }
  loyaltyProgram {
    currency
  }
}
    `) as unknown as TypedDocumentString<ReferralsQuery, ReferralsQueryVariables>;
export const UpdateReferralsDocument = new TypedDocumentString(`
    mutation UpdateReferrals($rev: Long!, $p: ReferralProgramUpdate!) {
  updateReferralProgram(revision: $rev, program: $p) {
    revision
  }
}
    `) as unknown as TypedDocumentString<UpdateReferralsMutation, UpdateReferralsMutationVariables>;
export const RulesDocument = new TypedDocumentString(`
    query Rules($f: EarningRuleFilter) {
  earningRules(filter: $f, first: 100) {
    edges {
      node {
        id
        revision
        title
        triggerAppId
        triggerActivityType
        status
        kind
        fixedAmount {
          configs {
            tierId
            points
          }
        }
        conversionRate {
          configs {
            tierId
            moneyAmount
            points
          }
        }
        metadata {
          canBeDeleted
        }
      }
    }
  }
  tiers {
    id
    name
    requiredPoints
  }
  loyaltyProgram {
    currency
  }
}
    `) as unknown as TypedDocumentString<RulesQuery, RulesQueryVariables>;
export const CreateRuleDocument = new TypedDocumentString(`
    mutation CreateRule($r: EarningRuleInput!) {
  createEarningRule(earningRule: $r) {
    id
    revision
  }
}
    `) as unknown as TypedDocumentString<CreateRuleMutation, CreateRuleMutationVariables>;
export const UpdateRuleDocument = new TypedDocumentString(`
    mutation UpdateRule($id: ID!, $rev: Long!, $u: EarningRuleUpdate!) {
  updateEarningRule(id: $id, revision: $rev, earningRule: $u) {
    id
    revision
  }
}
    `) as unknown as TypedDocumentString<UpdateRuleMutation, UpdateRuleMutationVariables>;
export const DeleteRuleDocument = new TypedDocumentString(`
    mutation DeleteRule($id: ID!, $rev: Long!) {
  deleteEarningRule(id: $id, revision: $rev) {
    id
  }
}
    `) as unknown as TypedDocumentString<DeleteRuleMutation, DeleteRuleMutationVariables>;
export const PreviewDocument = new TypedDocumentString(`
    query Preview($a: ActivityInput!) {
  previewEarning(activity: $a) {
    totalPoints
    rulePoints
    campaignPoints
    awards {
      points
      reason
      rule {
        title
      }
    }
    campaigns {
      title
      points
      applied
      reason
    }
  }
}
    `) as unknown as TypedDocumentString<PreviewQuery, PreviewQueryVariables>;
export const TransactionsDocument = new TypedDocumentString(`
    query Transactions($f: TransactionFilter, $after: String) {
  transactions(filter: $f, first: 50, after: $after) {
    edges {
      node {
        id
        transactionType
        amount
        balanceAfter
        description
        createdDate
        memberId
        orderId
        chain {
          state
          final
          txHash
          blockNumber
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<TransactionsQuery, TransactionsQueryVariables>;