// Lambda runs Node 22; the SDK's Node 20 notice is only noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// Tests never read a deployer's own config/site/*.json: they pass site values explicitly.
const fs = require('fs');
const os = require('os');
const path = require('path');
process.env.VT_SITE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'vt-empty-site-'));
