import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KieClient } from '../../src/core/client';
import { UploadError } from '../../src/core/errors';
import { proxyFor } from '../../src/core/proxy';
import { startTestProxy } from '../emulator/proxy';
import { startEmulator } from '../emulator/server';

describe('proxy resolution', () => {
  const target = 'https://kieai.redpandaai.co';

  it('prefers http.proxy, then HTTPS_PROXY / HTTP_PROXY by scheme, then ALL_PROXY', () => {
    const env = { HTTPS_PROXY: 'http://secure:1', HTTP_PROXY: 'http://plain:2', ALL_PROXY: 'http://all:3' };
    assert.equal(proxyFor(target, { setting: 'http://setting:9', env }), 'http://setting:9');
    assert.equal(proxyFor(target, { env }), 'http://secure:1');
    assert.equal(proxyFor('http://127.0.0.1:8787', { env }), 'http://plain:2');
    assert.equal(proxyFor(target, { env: { https_proxy: 'http://lower:4' } }), 'http://lower:4');
    assert.equal(proxyFor(target, { env: { ALL_PROXY: 'http://all:3' } }), 'http://all:3');
    assert.equal(proxyFor(target, { env: {} }), undefined);
  });

  it('honours NO_PROXY and http.noProxy: exact hosts, subdomains, ports and *', () => {
    const setting = 'http://proxy:3128';
    assert.equal(proxyFor(target, { setting, env: { NO_PROXY: 'redpandaai.co' } }), undefined);
    assert.equal(proxyFor(target, { setting, env: { NO_PROXY: '.redpandaai.co' } }), undefined);
    assert.equal(proxyFor(target, { setting, settingNoProxy: ['kieai.redpandaai.co'] }), undefined);
    assert.equal(proxyFor(target, { setting, env: { no_proxy: '*' } }), undefined);
    assert.equal(proxyFor(target, { setting, env: { NO_PROXY: 'kieai.redpandaai.co:8443' } }), setting);
    assert.equal(proxyFor(target, { setting, env: { NO_PROXY: 'other.example, ai.co' } }), setting);
    assert.equal(proxyFor('http://127.0.0.1:8787', { setting, env: { NO_PROXY: 'localhost,127.0.0.1' } }), undefined);
  });
});

describe('uploads through a proxy', () => {
  it('tunnels the upload through the configured proxy, with its credentials', async () => {
    const emulator = await startEmulator({ apiKey: 'proxy-key' });
    const proxy = await startTestProxy();
    const dir = await fs.mkdtemp(join(tmpdir(), 'kie-proxy-'));
    try {
      const path = join(dir, 'via-proxy.txt');
      await fs.writeFile(path, 'through the proxy');
      const proxyUrl = proxy.url.replace('http://', 'http://user:pa55@');
      const client = new KieClient(
        { baseUrl: emulator.url, uploadPath: 'p', retentionHours: 72, proxy: { url: proxyUrl, strictSSL: true } },
        { getApiKey: () => 'proxy-key' },
      );
      const record = await client.uploadFile(path);
      await client.close();
      assert.equal(record.fileName, 'via-proxy.txt');
      assert.deepEqual(proxy.tunnels, [new URL(emulator.url).host]);
      assert.deepEqual(proxy.authorizations, [`Basic ${Buffer.from('user:pa55').toString('base64')}`]);
      assert.equal(emulator.stats.requests, 1);
    } finally {
      await proxy.close();
      await emulator.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a proxy setting that is not an http(s) URL, sending nothing', async () => {
    const emulator = await startEmulator({ apiKey: 'k' });
    try {
      const client = new KieClient({ baseUrl: emulator.url, uploadPath: 'p', retentionHours: 72, proxy: { url: 'socks5://x:1', strictSSL: true } }, { getApiKey: () => 'k' });
      await assert.rejects(client.uploadData(Buffer.from('x'), 'a.txt'), (error: unknown) => error instanceof UploadError && error.code === 'invalid-input' && /proxy/.test(error.message));
      assert.equal(emulator.stats.requests, 0);
    } finally {
      await emulator.close();
    }
  });
});
