// Swagger UI for SparkWeb's REST API (/sparkweb/api/docs), on the OpenAPI document the plugin
// makes from its route tables. A successful "Try it out" of a sign-in (password or passkey) or
// of /renew authorizes the page with the token it answered, so the next calls carry it.
"use strict";

const SIGN_IN_PATHS = [/\/login\/[^/]+$/, /\/webauthn\/authenticate\/finish\/[^/]+$/, /\/renew$/];

function rememberToken(response) {
  const path = new URL(response.url, window.location.href).pathname;
  if (response.ok && SIGN_IN_PATHS.some((pattern) => pattern.test(path)) &&
      response.body && typeof response.body.token === "string") {
    window.ui.preauthorizeApiKey("bearer", response.body.token);
  }
  return response;
}

window.ui = SwaggerUIBundle({
  url: "/sparkweb/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: false,
  persistAuthorization: false,
  responseInterceptor: rememberToken,
});
