"""Every model, importable from one place so the metadata is complete."""

from partnerhub.models.audit import AuditEntry
from partnerhub.models.catalog import Category, Complement, ProductLine
from partnerhub.models.customer import CustomerKey, CustomerList
from partnerhub.models.delivery import Delivery, DeliveryAttempt, WebhookEndpoint
from partnerhub.models.email import Email
from partnerhub.models.flag import Flag, FlagEvent, Setting
from partnerhub.models.follow_up import FollowUp
from partnerhub.models.handoff import Handoff, HandoffComment, HandoffEvent, HandoffSearchKey
from partnerhub.models.job import JobRun
from partnerhub.models.lead import IdempotencyKey, Lead
from partnerhub.models.notice import Notice
from partnerhub.models.notification import Notification, NotificationSettings
from partnerhub.models.partner import ApiClient, Partner, PasswordReset, UnknownSignIn, User
from partnerhub.models.partnership import Partnership, PartnershipTerms
from partnerhub.models.rollup import HandoffRollup, HandoffRollupMonth

__all__ = [
    "ApiClient",
    "AuditEntry",
    "Category",
    "Complement",
    "CustomerKey",
    "CustomerList",
    "Delivery",
    "DeliveryAttempt",
    "Email",
    "Flag",
    "FlagEvent",
    "FollowUp",
    "Handoff",
    "HandoffComment",
    "HandoffEvent",
    "HandoffRollup",
    "HandoffRollupMonth",
    "HandoffSearchKey",
    "IdempotencyKey",
    "JobRun",
    "Lead",
    "Notice",
    "Notification",
    "NotificationSettings",
    "Partner",
    "Partnership",
    "PartnershipTerms",
    "PasswordReset",
    "ProductLine",
    "Setting",
    "UnknownSignIn",
    "User",
    "WebhookEndpoint",
]
