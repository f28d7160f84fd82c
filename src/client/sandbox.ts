// `oauth-apps-api/sandbox`: the sandbox control plane's typed client, from `oauth-apps-api-client/sandbox`.
export * from 'oauth-apps-api-client/sandbox';
