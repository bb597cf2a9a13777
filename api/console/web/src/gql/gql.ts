/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query Who { viewer { role memberId } loyaltyProgram { locale currency timeZone } }": typeof types.WhoDocument,
    "query Campaigns { campaigns(first: 100) { edges { node { id revision title status combination priority\n  window { startsAt endsAt daysOfWeek hours { start end } }\n  conditions { minimumAmount activityTypes }\n  effect { kind multiplier bonusPoints } } } }\n  loyaltyProgram { timeZone currency } }": typeof types.CampaignsDocument,
    "mutation CreateCampaign($c: CampaignInput!) { createCampaign(campaign: $c) { id } }": typeof types.CreateCampaignDocument,
    "mutation UpdateCampaign($id: ID!, $rev: Long!, $u: CampaignUpdate!) { updateCampaign(id: $id, revision: $rev, campaign: $u) { id } }": typeof types.UpdateCampaignDocument,
    "mutation DeleteCampaign($id: ID!, $rev: Long!) { deleteCampaign(id: $id, revision: $rev) { id } }": typeof types.DeleteCampaignDocument,
    "query Catalog { tiers { id revision name description requiredPoints }\n  rewards { id revision name type active configsByTier { tierId amount costInPoints } }\n  loyaltyProgram { currency } }": typeof types.CatalogDocument,
    "mutation CreateTier($t: TierInput!) { createTier(tier: $t) { id } }": typeof types.CreateTierDocument,
    "mutation UpdateTier($id: ID!, $rev: Long!, $t: TierUpdate!) { updateTier(id: $id, revision: $rev, tier: $t) { id } }": typeof types.UpdateTierDocument,
    "mutation DeleteTier($id: ID!, $rev: Long!) { deleteTier(id: $id, revision: $rev) { id } }": typeof types.DeleteTierDocument,
    "mutation CreateReward($r: RewardInput!) { createReward(reward: $r) { id } }": typeof types.CreateRewardDocument,
    "mutation UpdateReward($id: ID!, $rev: Long!, $r: RewardUpdate!) { updateReward(id: $id, revision: $rev, reward: $r) { id } }": typeof types.UpdateRewardDocument,
    "query Job($id: ID!) { job(id: $id) { id kind state total processed errors message\n  errorItems(first: 20) { row memberId reason } } }": typeof types.JobDocument,
    "query ImportTiers { tiers { id name } }": typeof types.ImportTiersDocument,
    "mutation BulkAdjust($i: BulkAdjustPointsInput!) { bulkAdjustPoints(input: $i) { id } }": typeof types.BulkAdjustDocument,
    "query Member($m: String!, $f: TransactionFilter) {\n  account(memberId: $m) { memberId revision receivingAddress walletLinked lastActivityDate createdDate referralCode\n    points { balance earned adjusted redeemed expired debt held pending onchain spendable }\n    heldPoints { points availableAt }\n    tier { id name } pointsExpiration { expirationDate expiringPointsAmount } }\n  transactions(filter: $f, first: 50) { edges { node { id transactionType amount balanceAfter description createdDate\n    chain { state final txHash blockNumber } } } }\n  redemptions(memberId: $m) { id rewardId couponCode costInPoints status createdDate }\n  rewards(active: true) { id name configsByTier { costInPoints } }\n  tiers { id name requiredPoints } }": typeof types.MemberDocument,
    "mutation Adjust($i: AdjustPointsInput!) { adjustPoints(input: $i) { amount } }": typeof types.AdjustDocument,
    "mutation Redeem($m: String!, $r: ID!, $k: String!) { redeemReward(memberId: $m, rewardId: $r, idempotencyKey: $k) { couponCode costInPoints } }": typeof types.RedeemDocument,
    "mutation CancelRedemption($id: ID!) { cancelRedemption(redemptionId: $id) { status } }": typeof types.CancelRedemptionDocument,
    "mutation Erase($m: String!, $c: String!) { eraseMember(memberId: $m, confirm: $c) { pseudonym } }": typeof types.EraseDocument,
    "query Members($f: AccountFilter, $o: AccountOrder, $after: String) {\n  accounts(filter: $f, orderBy: $o, first: 50, after: $after) {\n    edges { node { memberId lastActivityDate points { balance earned } tier { name } } }\n    pageInfo { hasNextPage endCursor } }\n  tiers { id name } }": typeof types.MembersDocument,
    "query Operations { token { name symbol address chainId totalSupply holders transferable }\n  mintingStatus { outboxDepth pendingRequests pendingPoints oldestUnfinishedAt refusedRequests batches { status count } lastError { message } }\n  indexerStatus { headBlock finalizedBlock indexedBlock lagBlocks reorgsHandled }\n  webhookInbox { pending failed }\n  transfers(first: 10) { nodes { blockNumber fromAddress toAddress value txHash } } }": typeof types.OperationsDocument,
    "query Audit($b: Long!) { audit(block: $b) { block clean digest holders findings { code message } } }": typeof types.AuditDocument,
    "query Overview($from: Date, $to: Date) {\n  programTotals { members balance earned redeemed expired held pending }\n  analytics(from: $from, to: $to) {\n    from to\n    pointsIssuedPerDay { day issued redeemed expired netChange }\n    pointsPerRule { ruleId title awards issued reversed }\n    pointsPerCampaign { campaignId title awards issued reversed }\n    membersPerTier { tierId tierName requiredPoints members }\n    topMembers(first: 10) { memberId balance earned }\n    liability { pointsOutstanding pointValue amount currency }\n  } }": typeof types.OverviewDocument,
    "query Program { loyaltyProgram { revision status pointDefinition { name iconUrl } tiersRollingWindowMonths\n  pointsExpiration { status monthsOfInactivity expiringPointsPercentage } pointValue holdDays\n  emailEnabled emailTemplate { subject body } webhookUrl timeZone updatedDate currency locale } }": typeof types.ProgramDocument,
    "mutation UpdateProgram($rev: Long!, $p: LoyaltyProgramUpdate!) { updateLoyaltyProgram(revision: $rev, program: $p) { revision } }": typeof types.UpdateProgramDocument,
    "mutation PauseProgram($rev: Long!) { pauseLoyaltyProgram(revision: $rev) { status } }": typeof types.PauseProgramDocument,
    "mutation ActivateProgram($rev: Long!) { activateLoyaltyProgram(revision: $rev) { status } }": typeof types.ActivateProgramDocument,
    "query Referrals { referralProgram { revision status referrerReward { points rewardId } friendReward { points rewardId }\n    qualification { trigger minimumAmount } holdDays limits { perReferrerPerWeek perIpPerWeek } }\n  referralStats { referrals pending qualified rewarded rejected byReason { reason count } pointsAwarded couponsGranted }\n  rewards(active: true) { id name }\n  referrals(first: 50) { edges { node { id referrerId friendId status reason createdDate rewardedDate referrerPoints friendPoints } } }\n  loyaltyProgram { currency } }": typeof types.ReferralsDocument,
    "mutation UpdateReferrals($rev: Long!, $p: ReferralProgramUpdate!) { updateReferralProgram(revision: $rev, program: $p) { revision } }": typeof types.UpdateReferralsDocument,
    "query Rules($f: EarningRuleFilter) {\n  earningRules(filter: $f, first: 100) { edges { node { id revision title triggerAppId triggerActivityType status kind holdDays\n    fixedAmount { configs { tierId points } }\n    conversionRate { configs { tierId moneyAmount points } } metadata { canBeDeleted } } } }\n  tiers { id name requiredPoints }\n  loyaltyProgram { currency } }": typeof types.RulesDocument,
    "mutation CreateRule($r: EarningRuleInput!) { createEarningRule(earningRule: $r) { id revision } }": typeof types.CreateRuleDocument,
    "mutation UpdateRule($id: ID!, $rev: Long!, $u: EarningRuleUpdate!) { updateEarningRule(id: $id, revision: $rev, earningRule: $u) { id revision } }": typeof types.UpdateRuleDocument,
    "mutation DeleteRule($id: ID!, $rev: Long!) { deleteEarningRule(id: $id, revision: $rev) { id } }": typeof types.DeleteRuleDocument,
    "query Preview($a: ActivityInput!) { previewEarning(activity: $a) {\n  totalPoints rulePoints campaignPoints awards { points reason rule { title } }\n  campaigns { title points applied reason } } }": typeof types.PreviewDocument,
    "query Transactions($f: TransactionFilter, $after: String) {\n  transactions(filter: $f, first: 50, after: $after) {\n    edges { node { id transactionType amount balanceAfter description createdDate memberId orderId\n      chain { state final txHash blockNumber } } }\n    pageInfo { hasNextPage endCursor } } }": typeof types.TransactionsDocument,
};
const documents: Documents = {
    "query Who { viewer { role memberId } loyaltyProgram { locale currency timeZone } }": types.WhoDocument,
    "query Campaigns { campaigns(first: 100) { edges { node { id revision title status combination priority\n  window { startsAt endsAt daysOfWeek hours { start end } }\n  conditions { minimumAmount activityTypes }\n  effect { kind multiplier bonusPoints } } } }\n  loyaltyProgram { timeZone currency } }": types.CampaignsDocument,
    "mutation CreateCampaign($c: CampaignInput!) { createCampaign(campaign: $c) { id } }": types.CreateCampaignDocument,
    "mutation UpdateCampaign($id: ID!, $rev: Long!, $u: CampaignUpdate!) { updateCampaign(id: $id, revision: $rev, campaign: $u) { id } }": types.UpdateCampaignDocument,
    "mutation DeleteCampaign($id: ID!, $rev: Long!) { deleteCampaign(id: $id, revision: $rev) { id } }": types.DeleteCampaignDocument,
    "query Catalog { tiers { id revision name description requiredPoints }\n  rewards { id revision name type active configsByTier { tierId amount costInPoints } }\n  loyaltyProgram { currency } }": types.CatalogDocument,
    "mutation CreateTier($t: TierInput!) { createTier(tier: $t) { id } }": types.CreateTierDocument,
    "mutation UpdateTier($id: ID!, $rev: Long!, $t: TierUpdate!) { updateTier(id: $id, revision: $rev, tier: $t) { id } }": types.UpdateTierDocument,
    "mutation DeleteTier($id: ID!, $rev: Long!) { deleteTier(id: $id, revision: $rev) { id } }": types.DeleteTierDocument,
    "mutation CreateReward($r: RewardInput!) { createReward(reward: $r) { id } }": types.CreateRewardDocument,
    "mutation UpdateReward($id: ID!, $rev: Long!, $r: RewardUpdate!) { updateReward(id: $id, revision: $rev, reward: $r) { id } }": types.UpdateRewardDocument,
    "query Job($id: ID!) { job(id: $id) { id kind state total processed errors message\n  errorItems(first: 20) { row memberId reason } } }": types.JobDocument,
    "query ImportTiers { tiers { id name } }": types.ImportTiersDocument,
    "mutation BulkAdjust($i: BulkAdjustPointsInput!) { bulkAdjustPoints(input: $i) { id } }": types.BulkAdjustDocument,
    "query Member($m: String!, $f: TransactionFilter) {\n  account(memberId: $m) { memberId revision receivingAddress walletLinked lastActivityDate createdDate referralCode\n    points { balance earned adjusted redeemed expired debt held pending onchain spendable }\n    heldPoints { points availableAt }\n    tier { id name } pointsExpiration { expirationDate expiringPointsAmount } }\n  transactions(filter: $f, first: 50) { edges { node { id transactionType amount balanceAfter description createdDate\n    chain { state final txHash blockNumber } } } }\n  redemptions(memberId: $m) { id rewardId couponCode costInPoints status createdDate }\n  rewards(active: true) { id name configsByTier { costInPoints } }\n  tiers { id name requiredPoints } }": types.MemberDocument,
    "mutation Adjust($i: AdjustPointsInput!) { adjustPoints(input: $i) { amount } }": types.AdjustDocument,
    "mutation Redeem($m: String!, $r: ID!, $k: String!) { redeemReward(memberId: $m, rewardId: $r, idempotencyKey: $k) { couponCode costInPoints } }": types.RedeemDocument,
    "mutation CancelRedemption($id: ID!) { cancelRedemption(redemptionId: $id) { status } }": types.CancelRedemptionDocument,
    "mutation Erase($m: String!, $c: String!) { eraseMember(memberId: $m, confirm: $c) { pseudonym } }": types.EraseDocument,
    "query Members($f: AccountFilter, $o: AccountOrder, $after: String) {\n  accounts(filter: $f, orderBy: $o, first: 50, after: $after) {\n    edges { node { memberId lastActivityDate points { balance earned } tier { name } } }\n    pageInfo { hasNextPage endCursor } }\n  tiers { id name } }": types.MembersDocument,
    "query Operations { token { name symbol address chainId totalSupply holders transferable }\n  mintingStatus { outboxDepth pendingRequests pendingPoints oldestUnfinishedAt refusedRequests batches { status count } lastError { message } }\n  indexerStatus { headBlock finalizedBlock indexedBlock lagBlocks reorgsHandled }\n  webhookInbox { pending failed }\n  transfers(first: 10) { nodes { blockNumber fromAddress toAddress value txHash } } }": types.OperationsDocument,
    "query Audit($b: Long!) { audit(block: $b) { block clean digest holders findings { code message } } }": types.AuditDocument,
    "query Overview($from: Date, $to: Date) {\n  programTotals { members balance earned redeemed expired held pending }\n  analytics(from: $from, to: $to) {\n    from to\n    pointsIssuedPerDay { day issued redeemed expired netChange }\n    pointsPerRule { ruleId title awards issued reversed }\n    pointsPerCampaign { campaignId title awards issued reversed }\n    membersPerTier { tierId tierName requiredPoints members }\n    topMembers(first: 10) { memberId balance earned }\n    liability { pointsOutstanding pointValue amount currency }\n  } }": types.OverviewDocument,
    "query Program { loyaltyProgram { revision status pointDefinition { name iconUrl } tiersRollingWindowMonths\n  pointsExpiration { status monthsOfInactivity expiringPointsPercentage } pointValue holdDays\n  emailEnabled emailTemplate { subject body } webhookUrl timeZone updatedDate currency locale } }": types.ProgramDocument,
    "mutation UpdateProgram($rev: Long!, $p: LoyaltyProgramUpdate!) { updateLoyaltyProgram(revision: $rev, program: $p) { revision } }": types.UpdateProgramDocument,
    "mutation PauseProgram($rev: Long!) { pauseLoyaltyProgram(revision: $rev) { status } }": types.PauseProgramDocument,
    "mutation ActivateProgram($rev: Long!) { activateLoyaltyProgram(revision: $rev) { status } }": types.ActivateProgramDocument,
    "query Referrals { referralProgram { revision status referrerReward { points rewardId } friendReward { points rewardId }\n    qualification { trigger minimumAmount } holdDays limits { perReferrerPerWeek perIpPerWeek } }\n  referralStats { referrals pending qualified rewarded rejected byReason { reason count } pointsAwarded couponsGranted }\n  rewards(active: true) { id name }\n  referrals(first: 50) { edges { node { id referrerId friendId status reason createdDate rewardedDate referrerPoints friendPoints } } }\n  loyaltyProgram { currency } }": types.ReferralsDocument,
    "mutation UpdateReferrals($rev: Long!, $p: ReferralProgramUpdate!) { updateReferralProgram(revision: $rev, program: $p) { revision } }": types.UpdateReferralsDocument,
    "query Rules($f: EarningRuleFilter) {\n  earningRules(filter: $f, first: 100) { edges { node { id revision title triggerAppId triggerActivityType status kind holdDays\n    fixedAmount { configs { tierId points } }\n    conversionRate { configs { tierId moneyAmount points } } metadata { canBeDeleted } } } }\n  tiers { id name requiredPoints }\n  loyaltyProgram { currency } }": types.RulesDocument,
    "mutation CreateRule($r: EarningRuleInput!) { createEarningRule(earningRule: $r) { id revision } }": types.CreateRuleDocument,
    "mutation UpdateRule($id: ID!, $rev: Long!, $u: EarningRuleUpdate!) { updateEarningRule(id: $id, revision: $rev, earningRule: $u) { id revision } }": types.UpdateRuleDocument,
    "mutation DeleteRule($id: ID!, $rev: Long!) { deleteEarningRule(id: $id, revision: $rev) { id } }": types.DeleteRuleDocument,
    "query Preview($a: ActivityInput!) { previewEarning(activity: $a) {\n  totalPoints rulePoints campaignPoints awards { points reason rule { title } }\n  campaigns { title points applied reason } } }": types.PreviewDocument,
    "query Transactions($f: TransactionFilter, $after: String) {\n  transactions(filter: $f, first: 50, after: $after) {\n    edges { node { id transactionType amount balanceAfter description createdDate memberId orderId\n      chain { state final txHash blockNumber } } }\n    pageInfo { hasNextPage endCursor } } }": types.TransactionsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Who { viewer { role memberId } loyaltyProgram { locale currency timeZone } }"): typeof import('./graphql').WhoDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Campaigns { campaigns(first: 100) { edges { node { id revision title status combination priority\n  window { startsAt endsAt daysOfWeek hours { start end } }\n  conditions { minimumAmount activityTypes }\n  effect { kind multiplier bonusPoints } } } }\n  loyaltyProgram { timeZone currency } }"): typeof import('./graphql').CampaignsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateCampaign($c: CampaignInput!) { createCampaign(campaign: $c) { id } }"): typeof import('./graphql').CreateCampaignDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateCampaign($id: ID!, $rev: Long!, $u: CampaignUpdate!) { updateCampaign(id: $id, revision: $rev, campaign: $u) { id } }"): typeof import('./graphql').UpdateCampaignDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteCampaign($id: ID!, $rev: Long!) { deleteCampaign(id: $id, revision: $rev) { id } }"): typeof import('./graphql').DeleteCampaignDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Catalog { tiers { id revision name description requiredPoints }\n  rewards { id revision name type active configsByTier { tierId amount costInPoints } }\n  loyaltyProgram { currency } }"): typeof import('./graphql').CatalogDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateTier($t: TierInput!) { createTier(tier: $t) { id } }"): typeof import('./graphql').CreateTierDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateTier($id: ID!, $rev: Long!, $t: TierUpdate!) { updateTier(id: $id, revision: $rev, tier: $t) { id } }"): typeof import('./graphql').UpdateTierDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteTier($id: ID!, $rev: Long!) { deleteTier(id: $id, revision: $rev) { id } }"): typeof import('./graphql').DeleteTierDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateReward($r: RewardInput!) { createReward(reward: $r) { id } }"): typeof import('./graphql').CreateRewardDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateReward($id: ID!, $rev: Long!, $r: RewardUpdate!) { updateReward(id: $id, revision: $rev, reward: $r) { id } }"): typeof import('./graphql').UpdateRewardDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Job($id: ID!) { job(id: $id) { id kind state total processed errors message\n  errorItems(first: 20) { row memberId reason } } }"): typeof import('./graphql').JobDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ImportTiers { tiers { id name } }"): typeof import('./graphql').ImportTiersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation BulkAdjust($i: BulkAdjustPointsInput!) { bulkAdjustPoints(input: $i) { id } }"): typeof import('./graphql').BulkAdjustDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Member($m: String!, $f: TransactionFilter) {\n  account(memberId: $m) { memberId revision receivingAddress walletLinked lastActivityDate createdDate referralCode\n    points { balance earned adjusted redeemed expired debt held pending onchain spendable }\n    heldPoints { points availableAt }\n    tier { id name } pointsExpiration { expirationDate expiringPointsAmount } }\n  transactions(filter: $f, first: 50) { edges { node { id transactionType amount balanceAfter description createdDate\n    chain { state final txHash blockNumber } } } }\n  redemptions(memberId: $m) { id rewardId couponCode costInPoints status createdDate }\n  rewards(active: true) { id name configsByTier { costInPoints } }\n  tiers { id name requiredPoints } }"): typeof import('./graphql').MemberDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Adjust($i: AdjustPointsInput!) { adjustPoints(input: $i) { amount } }"): typeof import('./graphql').AdjustDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Redeem($m: String!, $r: ID!, $k: String!) { redeemReward(memberId: $m, rewardId: $r, idempotencyKey: $k) { couponCode costInPoints } }"): typeof import('./graphql').RedeemDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CancelRedemption($id: ID!) { cancelRedemption(redemptionId: $id) { status } }"): typeof import('./graphql').CancelRedemptionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Erase($m: String!, $c: String!) { eraseMember(memberId: $m, confirm: $c) { pseudonym } }"): typeof import('./graphql').EraseDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Members($f: AccountFilter, $o: AccountOrder, $after: String) {\n  accounts(filter: $f, orderBy: $o, first: 50, after: $after) {\n    edges { node { memberId lastActivityDate points { balance earned } tier { name } } }\n    pageInfo { hasNextPage endCursor } }\n  tiers { id name } }"): typeof import('./graphql').MembersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Operations { token { name symbol address chainId totalSupply holders transferable }\n  mintingStatus { outboxDepth pendingRequests pendingPoints oldestUnfinishedAt refusedRequests batches { status count } lastError { message } }\n  indexerStatus { headBlock finalizedBlock indexedBlock lagBlocks reorgsHandled }\n  webhookInbox { pending failed }\n  transfers(first: 10) { nodes { blockNumber fromAddress toAddress value txHash } } }"): typeof import('./graphql').OperationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Audit($b: Long!) { audit(block: $b) { block clean digest holders findings { code message } } }"): typeof import('./graphql').AuditDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Overview($from: Date, $to: Date) {\n  programTotals { members balance earned redeemed expired held pending }\n  analytics(from: $from, to: $to) {\n    from to\n    pointsIssuedPerDay { day issued redeemed expired netChange }\n    pointsPerRule { ruleId title awards issued reversed }\n    pointsPerCampaign { campaignId title awards issued reversed }\n    membersPerTier { tierId tierName requiredPoints members }\n    topMembers(first: 10) { memberId balance earned }\n    liability { pointsOutstanding pointValue amount currency }\n  } }"): typeof import('./graphql').OverviewDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Program { loyaltyProgram { revision status pointDefinition { name iconUrl } tiersRollingWindowMonths\n  pointsExpiration { status monthsOfInactivity expiringPointsPercentage } pointValue holdDays\n  emailEnabled emailTemplate { subject body } webhookUrl timeZone updatedDate currency locale } }"): typeof import('./graphql').ProgramDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateProgram($rev: Long!, $p: LoyaltyProgramUpdate!) { updateLoyaltyProgram(revision: $rev, program: $p) { revision } }"): typeof import('./graphql').UpdateProgramDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PauseProgram($rev: Long!) { pauseLoyaltyProgram(revision: $rev) { status } }"): typeof import('./graphql').PauseProgramDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ActivateProgram($rev: Long!) { activateLoyaltyProgram(revision: $rev) { status } }"): typeof import('./graphql').ActivateProgramDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Referrals { referralProgram { revision status referrerReward { points rewardId } friendReward { points rewardId }\n    qualification { trigger minimumAmount } holdDays limits { perReferrerPerWeek perIpPerWeek } }\n  referralStats { referrals pending qualified rewarded rejected byReason { reason count } pointsAwarded couponsGranted }\n  rewards(active: true) { id name }\n  referrals(first: 50) { edges { node { id referrerId friendId status reason createdDate rewardedDate referrerPoints friendPoints } } }\n  loyaltyProgram { currency } }"): typeof import('./graphql').ReferralsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateReferrals($rev: Long!, $p: ReferralProgramUpdate!) { updateReferralProgram(revision: $rev, program: $p) { revision } }"): typeof import('./graphql').UpdateReferralsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Rules($f: EarningRuleFilter) {\n  earningRules(filter: $f, first: 100) { edges { node { id revision title triggerAppId triggerActivityType status kind holdDays\n    fixedAmount { configs { tierId points } }\n    conversionRate { configs { tierId moneyAmount points } } metadata { canBeDeleted } } } }\n  tiers { id name requiredPoints }\n  loyaltyProgram { currency } }"): typeof import('./graphql').RulesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateRule($r: EarningRuleInput!) { createEarningRule(earningRule: $r) { id revision } }"): typeof import('./graphql').CreateRuleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateRule($id: ID!, $rev: Long!, $u: EarningRuleUpdate!) { updateEarningRule(id: $id, revision: $rev, earningRule: $u) { id revision } }"): typeof import('./graphql').UpdateRuleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteRule($id: ID!, $rev: Long!) { deleteEarningRule(id: $id, revision: $rev) { id } }"): typeof import('./graphql').DeleteRuleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Preview($a: ActivityInput!) { previewEarning(activity: $a) {\n  totalPoints rulePoints campaignPoints awards { points reason rule { title } }\n  campaigns { title points applied reason } } }"): typeof import('./graphql').PreviewDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Transactions($f: TransactionFilter, $after: String) {\n  transactions(filter: $f, first: 50, after: $after) {\n    edges { node { id transactionType amount balanceAfter description createdDate memberId orderId\n      chain { state final txHash blockNumber } } }\n    pageInfo { hasNextPage endCursor } } }"): typeof import('./graphql').TransactionsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
