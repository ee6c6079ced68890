/**
 * The /docs page: Swagger UI from the swagger-ui-dist package, served by this service (no CDN,
 * so it works on a closed network). No inline script or style: the page runs under a content
 * security policy that allows only the service's own scripts and styles.
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse API</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
`;

/**
 * Starts Swagger UI on /openapi.json, with try-it-out open and the bearer token kept only for
 * the page's life (a moderator's token must not linger in the browser's storage).
 */
export const DOCS_INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: new URL("openapi.json", document.baseURI).href,
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: true,
  persistAuthorization: false,
  displayRequestDuration: true,
  defaultModelsExpandDepth: 1,
});
`;
