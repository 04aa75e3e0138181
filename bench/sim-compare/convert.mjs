// Turns one leash request (the `leash sim` request format, all policies
// inline) into the `Simulation` object that @cloud-copilot/iam-simulate's
// `runSimulation` takes, and maps decisions between the two engines.

import { anonymousPrincipal } from '@cloud-copilot/iam-simulate'

// Request fields iam-simulate has no input for; a request using any of them
// would be decided on different premises, so the workload leaves it out.
export const UNSUPPORTED_FIELDS = [
  'principal_type',
  'role_arn',
  'current_time',
  'resource_policy_kind',
  'principal_in_management_account',
  'is_management_account',
  'resource_in_management_account',
  'principal_is_service_linked_role'
]

/** The unsupported fields a leash request sets (to a non-default value). */
export function unsupportedFields(request) {
  return UNSUPPORTED_FIELDS.filter((field) => {
    const value = request[field]
    return value !== undefined && value !== null && value !== false && value !== 'auto'
  })
}

// iam-simulate context values are strings or arrays of strings; leash also
// takes numbers and booleans, which AWS sends as their string forms anyway.
function contextValue(value) {
  if (Array.isArray(value)) {
    return value.map((item) => String(item))
  }
  return String(value)
}

function accountOf(principal) {
  if (/^\d{12}$/.test(principal)) {
    return principal
  }
  const parts = principal.split(':')
  return parts.length >= 5 && /^\d{12}$/.test(parts[4]) ? parts[4] : undefined
}

function resourceAccount(request) {
  if (request.resource_account) {
    return request.resource_account
  }
  const parts = request.resource.split(':')
  if (parts.length >= 5 && /^\d{12}$/.test(parts[4])) {
    return parts[4]
  }
  return accountOf(request.principal) ?? '000000000000'
}

function named(prefix, policies) {
  return policies.map((policy, index) => ({ name: `${prefix}-${index + 1}`, policy }))
}

function levels(prefix, policyLevels) {
  return (policyLevels ?? []).map((level, index) => ({
    orgIdentifier: `${prefix}-level-${index}`,
    policies: named(`${prefix}-${index}`, level)
  }))
}

// RCPFullAWSAccess: AWS attaches it at every level, and iam-simulate adds it
// itself (and refuses an RCP that allows), while leash takes each level as
// written. The statement is the one AWS documents:
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_examples.html
function isFullAccessRcp(policy) {
  const statements = Array.isArray(policy?.Statement) ? policy.Statement : [policy?.Statement]
  return statements.some(
    (statement) =>
      statement?.Effect === 'Allow' &&
      statement.Principal === '*' &&
      (statement.Action === '*' || (Array.isArray(statement.Action) && statement.Action.includes('*'))) &&
      (statement.Resource === '*' || (Array.isArray(statement.Resource) && statement.Resource.includes('*')))
  )
}

function rcpLevels(policyLevels) {
  return levels(
    'rcp',
    (policyLevels ?? []).map((level) => level.filter((policy) => !isFullAccessRcp(policy)))
  )
}

/**
 * Why iam-simulate cannot take this request as leash means it (empty when it
 * can): fields it has no input for, and RCP levels without RCPFullAWSAccess
 * (iam-simulate always adds it, so such a level cannot be expressed).
 */
export function unsupportedFeatures(request) {
  const reasons = unsupportedFields(request).map((field) => `field \`${field}\``)
  if ((request.rcps ?? []).some((level) => !level.some(isFullAccessRcp))) {
    reasons.push('an RCP level without RCPFullAWSAccess')
  }
  return reasons
}

/** A leash request object -> an iam-simulate `Simulation`. */
export function toSimulation(request) {
  const contextVariables = {}
  for (const [key, value] of Object.entries(request.context ?? {})) {
    contextVariables[key] = contextValue(value)
  }
  const principal =
    request.principal === 'anonymous' || request.principal === '*'
      ? anonymousPrincipal
      : // a bare account id means the account's root user
        /^\d{12}$/.test(request.principal)
        ? `arn:aws:iam::${request.principal}:root`
        : request.principal
  const simulation = {
    request: {
      principal,
      action: request.action,
      resource: { resource: request.resource, accountId: resourceAccount(request) },
      contextVariables
    },
    identityPolicies: named('identity', request.identity_policies ?? []),
    serviceControlPolicies: levels('scp', request.scps),
    resourceControlPolicies: rcpLevels(request.rcps)
  }
  if (request.resource_policy) {
    simulation.resourcePolicy = request.resource_policy
  }
  if (request.permissions_boundary) {
    simulation.permissionBoundaryPolicies = named('boundary', [request.permissions_boundary])
  }
  if (request.session_policy) {
    simulation.sessionPolicy = request.session_policy
  }
  if (request.vpc_endpoint_policy) {
    simulation.vpcEndpointPolicies = named('vpce', [request.vpc_endpoint_policy])
  }
  return simulation
}

/** iam-simulate's overall result in leash's `reason` vocabulary. */
export function reasonOf(result) {
  if (result.resultType === 'error') {
    return 'error'
  }
  switch (result.overallResult) {
    case 'Allowed':
      return 'allowed'
    case 'ExplicitlyDenied':
      return 'explicit_deny'
    case 'ImplicitlyDenied':
      return 'implicit_deny'
    default:
      return `unknown:${result.overallResult}`
  }
}
