'use strict';
/**
 * Our extension (not in any protocol document): a small login endpoint, so the desktop app's
 * provider sign-in (user name and password turned into a token by the provider's login URL)
 * can be tested against a reference server. Mounted by 001_presence_sessions.js only.
 *
 *   POST /api/login {"username": "<account id or name>", "password": "<password>"}
 *     200 {"token": "<JWT>", "expires_in": <seconds>, "account_id": "<id>"}
 *     401 {"success": false, "error": "Wrong user name or password", "code": "INVALID_CREDENTIALS"}
 *   GET /api/login/stats -> {"logins": <n>}   (tests count the logins: a refresh is a login)
 *
 * Every seeded account's password is PARLOR_LOGIN_PASSWORD (default "parlor-demo"); tokens
 * live PARLOR_LOGIN_TOKEN_TTL_S seconds (default 3600), so tests can make them expire.
 */

function attachLogin(app, { accounts, mintToken }) {
  const password = process.env.PARLOR_LOGIN_PASSWORD || 'parlor-demo';
  const ttl = Math.max(1, Number(process.env.PARLOR_LOGIN_TOKEN_TTL_S) || 3600);
  let logins = 0;

  app.post('/api/login', (req, res) => {
    const body = req.body && typeof req.body === 'object' ? req.body : {};
    const who = typeof body.username === 'string' ? body.username.trim() : '';
    const acc = accounts.find((a) => a.id === who || a.name === who);
    if (!acc || body.password !== password) {
      return res.status(401).json({ success: false, error: 'Wrong user name or password', code: 'INVALID_CREDENTIALS' });
    }
    logins += 1;
    res.json({ token: mintToken(acc, ttl), expires_in: ttl, account_id: acc.id });
  });

  app.get('/api/login/stats', (_req, res) => res.json({ logins }));
}

module.exports = { attachLogin };
