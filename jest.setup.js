// Lambda runs Node 22; the SDK's Node 20 notice is only noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
