// The kit re-exports the typed client, so `import … from 'oauth-apps-api'` keeps working;
// the client itself is the light package `oauth-apps-api-client` (packages/client).
export * from 'oauth-apps-api-client';
