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

/** STACK: adds to the other campaigns; BEST: only the BEST campaign giving the most applies; EXCLUSIVE: the EXCLUSIVE campaign of highest priority applies alone. */
export type CampaignCombination =
  | 'BEST'
  | 'EXCLUSIVE'
  | 'STACK';

export type CampaignConditionsInput = {
  activityTypes?: InputMaybe<Array<Scalars['String']['input']>>;
  minimumAmount?: InputMaybe<Scalars['Decimal']['input']>;
  tierIds?: InputMaybe<Array<Scalars['ID']['input']>>;
  triggerAppIds?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type CampaignConversionRateInput = {
  moneyAmount: Scalars['Decimal']['input'];
  points: Scalars['Int']['input'];
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

export type ConversionRateConfigInput = {
  moneyAmount: Scalars['Decimal']['input'];
  points: Scalars['Int']['input'];
  tierId?: InputMaybe<Scalars['ID']['input']>;
};

export type ConversionRateInput = {
  configs: Array<ConversionRateConfigInput>;
};

export type DailyHoursInput = {
  end: Scalars['String']['input'];
  start: Scalars['String']['input'];
};

export type DayOfWeek =
  | 'FRIDAY'
  | 'MONDAY'
  | 'SATURDAY'
  | 'SUNDAY'
  | 'THURSDAY'
  | 'TUESDAY'
  | 'WEDNESDAY';

/** ROLLING_WINDOW: the tier follows the window's points, down at once. ONE_DOWN: a tier is kept for a period of tiersRollingWindowMonths, then goes down one tier if the points no longer reach it. BALANCE_BASED: kept for the period, then the tier the member's balance reaches (between the earned tier and the current one). */
export type DowngradePolicy =
  | 'BALANCE_BASED'
  | 'ONE_DOWN'
  | 'ROLLING_WINDOW';

export type EarningBudgetInput = {
  perPeriod?: InputMaybe<Scalars['Long']['input']>;
  period?: InputMaybe<LimitPeriod>;
  total?: InputMaybe<Scalars['Long']['input']>;
};

export type EarningLimitsInput = {
  budget?: InputMaybe<EarningBudgetInput>;
  perMember?: InputMaybe<MemberLimitInput>;
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

export type EmailTemplateInput = {
  body?: InputMaybe<Scalars['String']['input']>;
  subject?: InputMaybe<Scalars['String']['input']>;
};

export type FixedAmountConfigInput = {
  points: Scalars['Int']['input'];
  tierId?: InputMaybe<Scalars['ID']['input']>;
};

export type FixedAmountInput = {
  configs: Array<FixedAmountConfigInput>;
};

/** Where a held award stands. */
export type HoldState =
  /** Available: an ACTIVATE entry brought it into the balance. */
  | 'ACTIVE'
  /** Refunds inside the window cancelled every point. */
  | 'CANCELLED'
  /** Waiting for availableAt: not spendable. */
  | 'HELD';

/** Order of holders. */
export type HolderOrder =
  | 'ADDRESS'
  | 'BALANCE_DESC';

/** An import file's format. */
export type ImportFormat =
  | 'CSV'
  | 'NDJSON';

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

/** DAY, WEEK (Monday to Sunday), MONTH, YEAR on the program's calendar (loyaltyProgram.timeZone), or ROLLING_DAYS: the `days` x 24 hours before each award. */
export type LimitPeriod =
  | 'DAY'
  | 'MONTH'
  | 'ROLLING_DAYS'
  | 'WEEK'
  | 'YEAR';

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

export type MemberLimitInput = {
  days?: InputMaybe<Scalars['Int']['input']>;
  period: LimitPeriod;
  points: Scalars['Long']['input'];
};

export type MoneyInput = {
  /** ISO 4217 code; must be the program's currency */
  currency: Scalars['String']['input'];
  value: Scalars['Decimal']['input'];
};

export type PointDefinitionInput = {
  /** "" or null: no icon. */
  iconUrl?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
};

export type PointsExpirationInput = {
  expiringPointsPercentage: Scalars['Int']['input'];
  monthsOfInactivity: Scalars['Int']['input'];
  /** 1 to 365 days before (Wix sends one 14 days before); null: none. */
  reminderDays?: InputMaybe<Scalars['Int']['input']>;
  status: PointsExpirationStatus;
};

export type PointsExpirationStatus =
  | 'DISABLED'
  | 'ENABLED';

/** Which tree a member proof is in. */
export type ProofTree =
  | 'COMMITTED'
  | 'LIVE';

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

export type RecordRefundInput = {
  /** Money refunded now, in the base currency. */
  amount: Scalars['Decimal']['input'];
  idempotencyKey: Scalars['String']['input'];
  orderId: Scalars['String']['input'];
};

export type RedemptionStatus =
  | 'CANCELLED'
  | 'REDEEMED';

export type ReferralFilter = {
  friendId?: InputMaybe<Scalars['String']['input']>;
  reason?: InputMaybe<ReferralRejection>;
  referrerId?: InputMaybe<Scalars['String']['input']>;
  status?: InputMaybe<ReferralStatus>;
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

/** Why a referral was rejected. */
export type ReferralRejection =
  | 'FRIEND_NOT_NEW'
  | 'IP_WEEKLY_LIMIT'
  | 'ORDER_REFUNDED'
  | 'REFERRER_WEEKLY_LIMIT'
  | 'SAME_EMAIL'
  | 'SAME_WALLET'
  | 'SELF_REFERRAL';

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

/** Which way a list is sorted. */
export type SortDirection =
  | 'ASC'
  | 'DESC';

export type TierInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  /** 0 to 9,999,999; unique per tier. */
  requiredPoints: Scalars['Long']['input'];
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

/** ADMIN writes; AUDITOR reads everything; MEMBER reads their own. */
export type ViewerRole =
  | 'ADMIN'
  | 'ANONYMOUS'
  | 'AUDITOR'
  | 'MEMBER';

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


export type ReferralsQuery = { referralProgram: { revision: number, status: ReferralProgramStatus, holdDays: number, referrerReward: { points: number, rewardId?: string | null }, friendReward: { points: number, rewardId?: string | null }, qualification: { trigger: ReferralTrigger, minimumAmount?: string | null }, limits: { perReferrerPerWeek?: number | null, perIpPerWeek?: number | null } }, referralStats: { referrals: number, pending: number, qualified: number, rewarded: number, rejected: number, pointsAwarded: number, couponsGranted: number, byReason: Array<{ reason: ReferralRejection, count: number }> }, rewards: Array<{ id: string, name: string }>, referrals: { edges: Array<{ node: { id: string, referrerId: string, friendId: string, status: ReferralStatus, reason?: ReferralRejection | null, createdDate: string, rewardedDate?: string | null, referrerPoints: number, friendPoints: number } }> }, loyaltyProgram: { currency: string } };

export type UpdateReferralsMutationVariables = Exact<{
  rev: Scalars['Long']['input'];
  p: ReferralProgramUpdate;
}>;


export type UpdateReferralsMutation = { updateReferralProgram: { revision: number } };

export type RulesQueryVariables = Exact<{
  f?: InputMaybe<EarningRuleFilter>;
}>;


export type RulesQuery = { earningRules: { edges: Array<{ node: { id: string, revision: number, title: string, triggerAppId: string, triggerActivityType: string, status: EarningRuleStatus, kind: EarningRuleKind, holdDays?: number | null, fixedAmount?: { configs: Array<{ tierId?: string | null, points: number }> } | null, conversionRate?: { configs: Array<{ tierId?: string | null, moneyAmount: string, points: number }> } | null, metadata: { canBeDeleted: boolean } } }> }, tiers: Array<{ id: string, name: string, requiredPoints: number }>, loyaltyProgram: { currency: string } };

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
      rewardId
    }
    friendReward {
      points
      rewardId
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
    couponsGranted
  }
  rewards(active: true) {
    id
    name
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
        holdDays
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