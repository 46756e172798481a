"""Uses the generated Python client against a running server: an OAuth
token for a registered integration client, a referral submitted with an
Idempotency-Key, and the referral read back. Exits non-zero on any failure."""

import os
import sys
import uuid

from sct_client import AuthenticatedClient, Client
from sct_client.api.o_auth import issue_token
from sct_client.api.referrals import get_referral, submit_referral
from sct_client.models import GrantType, ReferralSubmission, TokenRequest

base = os.environ["SCT_BASE"]
urn = os.environ["SCT_URN"]

public = Client(base_url=base, raise_on_unexpected_status=True)
token = issue_token.sync(
    client=public,
    body=TokenRequest(
        grant_type=GrantType.CLIENT_CREDENTIALS,
        client_id=os.environ["SCT_CLIENT_ID"],
        client_secret=os.environ["SCT_CLIENT_SECRET"],
    ),
)
assert token is not None and token.access_token, f"no token: {token!r}"
print(f"token: {token.token_type}, expires in {token.expires_in} s")

api = AuthenticatedClient(base_url=base, token=token.access_token, raise_on_unexpected_status=True)
body = ReferralSubmission.from_dict(
    {
        "school_urn": urn,
        "external_reference": "GEN-CLIENT-1",
        "child": {
            "upn": "B801200005001",
            "given_name": "Sam",
            "family_name": "Example",
            "date_of_birth": "2016-03-14",
            "year_group": "5",
            "sen_provision": "K",
            "primary_need": "SEMH",
        },
        "indes": [{"area": "social_emotional_mental_health", "level": 4}],
        "complicating_factors": ["attendance"],
        "consent": {"given_by": "parent_carer", "given_on": "2026-11-20"},
        "reason": "Submitted by the generated client",
    }
)
key = str(uuid.uuid4())
created = submit_referral.sync_detailed(client=api, body=body, idempotency_key=key)
assert created.status_code == 201, f"submit answered {created.status_code}: {created.content!r}"
referral = created.parsed
print(f"submitted: {referral.reference} ({referral.id}), status {referral.status}")

again = submit_referral.sync_detailed(client=api, body=body, idempotency_key=key)
assert again.status_code == 201 and again.parsed.id == referral.id, "the retry made another referral"

read = get_referral.sync(client=api, id=referral.id)
assert read is not None and read.id == referral.id and read.school_urn == urn, f"read back: {read!r}"
print(f"read back: {read.reference}, status {read.status}, school {read.school_urn}")
print("generated client: OK")
sys.exit(0)
