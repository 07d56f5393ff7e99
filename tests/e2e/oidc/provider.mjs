// An OpenID Connect provider for the browser tests, on localhost: the real `oidc-provider`
// (authorization code flow with PKCE, signed ID tokens, discovery, RP-initiated logout), with a
// sign-in form of its own that accepts any subject and e-mail (a test says who signs in).
// Nothing here leaves the machine: the pages it renders load no fonts or scripts.
//
//   node provider.mjs --port 9000 --client-id ID --client-secret SECRET \
//        --redirect-uri http://127.0.0.1:8501/oauth2callback
//
// Prints "oidc-provider listening on <issuer>" once it accepts requests.
import { parseArgs } from "node:util";

import Provider from "oidc-provider";

const { values: args } = parseArgs({
  options: {
    port: { type: "string" },
    "client-id": { type: "string" },
    "client-secret": { type: "string" },
    "redirect-uri": { type: "string", multiple: true },
  },
});
const port = Number(args.port);
const issuer = `http://127.0.0.1:${port}`;
const accounts = new Map(); // subject -> {email, name}, as typed in the sign-in form

const escape = (s) =>
  String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:sans-serif;max-width:22rem;margin:3rem auto}label,input,button{display:block;width:100%;margin:.4rem 0}</style>
</head><body><h1>${escape(title)}</h1>${body}</body></html>`;
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: args["client-id"],
      client_secret: args["client-secret"],
      redirect_uris: args["redirect-uri"],
      post_logout_redirect_uris: args["redirect-uri"],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  cookies: { keys: ["test-only-cookie-key"] },
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name"],
  },
  // The scope's claims in the ID token itself: Streamlit reads the user from the ID token.
  conformIdTokenClaims: false,
  async findAccount(ctx, sub) {
    const account = accounts.get(sub) ?? { email: `${sub}@example.org`, name: sub };
    return {
      accountId: sub,
      async claims() {
        return { sub, email: account.email, email_verified: true, name: account.name };
      },
    };
  },
  // A first-party client: no consent screen (the recipe in oidc-provider's documentation).
  async loadExistingGrant(ctx) {
    const grantId =
      ctx.oidc.result?.consent?.grantId ||
      ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page(
          "Sign out",
          `${form}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`,
        );
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page("Signed out", "<p>You are signed out.</p>");
      },
    },
  },
  async renderError(ctx, out) {
    ctx.type = "html";
    ctx.body = page("Error", `<pre>${escape(JSON.stringify(out))}</pre>`);
  },
});

// Browsers ask for a favicon: answer, so a test sees no failed request.
provider.use(async (ctx, next) => {
  if (ctx.path !== "/favicon.ico") return next();
  ctx.status = 204;
  return undefined;
});

// The sign-in form: any subject, with the e-mail address the ID token will carry.
provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === "POST" && match[2]) {
    const form = await formBody(ctx.req);
    const sub = (form.get("sub") || "").trim();
    if (!sub) {
      ctx.status = 400;
      ctx.body = page("Error", "<p>A subject is required.</p>");
      return undefined;
    }
    accounts.set(sub, {
      email: (form.get("email") || `${sub}@example.org`).trim(),
      name: (form.get("name") || sub).trim(),
    });
    await provider.interactionFinished(
      ctx.req,
      ctx.res,
      { login: { accountId: sub } },
      { mergeWithLastSubmission: false },
    );
    ctx.respond = false;
    return undefined;
  }
  ctx.type = "html";
  ctx.body = page(
    "Test identity provider",
    `<form method="post" action="/interaction/${escape(details.uid)}/login">
<label for="sub">Subject</label><input id="sub" name="sub" autofocus>
<label for="email">E-mail</label><input id="email" name="email" type="email">
<label for="name">Name</label><input id="name" name="name">
<button type="submit">Sign in</button></form>`,
  );
  return undefined;
});

provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
