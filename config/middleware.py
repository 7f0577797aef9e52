"""Security headers the app sets on every response."""
from django.conf import settings

# Every asset is served by the app itself (no CDN), so nothing else needs to be allowed. Inline
# style attributes carry table column widths; scripts are files only.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CSP)

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):  # the admin uses inline scripts of its own
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
