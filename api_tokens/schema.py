"""How the OpenAPI schema describes `Authorization: Token <key>` (drf-spectacular's own knox
extension matches knox's class only, not ours)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api_tokens.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
        scheme["description"] = (
            "`Authorization: Token <key>`. Staff make, name and revoke their keys at "
            "/staff/account/tokens/; a key is shown once, when it is made, and expires after "
            "the days the deployment sets (90 unless changed)."
        )
        return scheme
