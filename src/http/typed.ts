/** The JSON request body type of a generated operation (`operations['createOauthApp']`). */
export type JsonBody<Op> = Op extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;
