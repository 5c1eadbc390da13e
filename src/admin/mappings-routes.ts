/**
 * The mappings API (registered by app.ts inside its bearer-token scope): list, read with versions, save
 * (validate → version + file + live swap + notice to every engine process), the saved versions and their texts,
 * rollback (an older version's text saved again as a new version, the same path as a save) and preview (live vs
 * candidate on stored messages). The logic is MappingEditor's (src/mappings/editor.ts); these routes check input
 * and shape answers.
 *
 * Access (auth.ts): reading mappings and their versions needs role operator; saving, rolling back and previewing
 * need admin (a preview shows the records of stored messages: patient data). Saves, rollbacks and previews are
 * audited (mapping.save with `rollbackOf` for a rollback, mapping.preview).
 *
 * A mapping that does not validate answers 422 `{ error: { code: 'CONFIG_INVALID', message, issues: [{ line,
 * col, reason }] } }` (the envelope every error of this API has, plus the issues); nothing is changed.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { ConfigError } from '../core/config-file';
import { MappingTestsFailed, type MappingEditor } from '../mappings/editor';
import { PREVIEW_MAX_MESSAGES } from '../mappings/editor';
import { EngineError } from '../core/errors';
import { actorOf, audit, role } from './auth';
import { parse } from './validate';
import { sends } from './wire/json';
import type {
  MappingDetail,
  MappingIssue,
  MappingSummary,
  MappingTestFailure,
  MappingVersion,
  MappingVersionText,
  PreviewResult,
  SavedMapping,
} from './wire/mappings';

/** A saved version of a mapping, with its text (src/store/mapping-versions.ts). */
export interface StoredMappingVersion {
  version: number;
  sha256: string;
  actor: string | null;
  createdAt: Date;
  content: string;
}

export type MappingsApi = Pick<MappingEditor, 'list' | 'get' | 'save' | 'preview'> & {
  /** The saved version `version` of mapping `name`, or undefined when there is none. */
  version(name: string, version: number): Promise<StoredMappingVersion | undefined>;
};

/** Largest mapping text accepted (the shipped ones are a few KiB). */
/**
 * The largest mapping text saved or previewed (the shipped ones are about 20 KiB), and the largest message
 * previewed (an MLLP channel's default frame limit): every preview parses, compiles and evaluates on the event
 * loop, so its size is bounded.
 */
const MAX_MAPPING_BYTES = 256 * 1024;
const MAX_PREVIEW_RAW_BYTES = 1024 * 1024;

const mappingName = z
  .string()
  .max(100)
  .regex(/^[a-z0-9-]+$/, 'use lower-case letters, digits and dashes');
const nameParams = z.strictObject({ name: mappingName });
const versionNumber = z.coerce.number().int().min(1).max(1_000_000_000);
const versionParams = z.strictObject({ name: mappingName, version: versionNumber });
const rollbackBody = z.strictObject({ version: z.number().int().min(1).max(1_000_000_000) });
const content = z.string().max(MAX_MAPPING_BYTES, `a mapping is at most ${MAX_MAPPING_BYTES / 1024} KiB`);
const saveBody = z.union([content, z.strictObject({ content, updateExpected: z.boolean().optional() })]);
const previewBody = z
  .strictObject({
    content: content.optional(),
    raw: z
      .string()
      .min(1)
      .max(MAX_PREVIEW_RAW_BYTES, `a previewed message is at most ${MAX_PREVIEW_RAW_BYTES / 1024} KiB`)
      .optional(),
    lastMessages: z.number().int().min(1).max(PREVIEW_MAX_MESSAGES).optional(),
  })
  .refine((b) => b.raw === undefined || b.lastMessages === undefined, { message: 'give raw or lastMessages, not both' })
  .optional();

const YAML_TYPES = ['text/yaml', 'application/yaml', 'application/x-yaml'];

/** 422 MAPPING_TESTS_FAILED: the failing cases, each with expected vs actual per field (synthetic test data). */
function failingTests(reply: FastifyReply, err: MappingTestsFailed) {
  return reply.status(422).send({
    error: {
      code: err.code,
      message: err.message,
      files: err.run.files,
      cases: err.run.cases,
      failures: sends<MappingTestFailure[]>()(err.run.failures),
    },
  });
}

function invalidMapping(reply: FastifyReply, name: string, err: ConfigError) {
  return reply.status(422).send({
    error: {
      code: 'CONFIG_INVALID',
      message: `mapping ${name} is invalid (${err.issues.length} ${err.issues.length === 1 ? 'issue' : 'issues'})`,
      issues: err.issues.map(({ line, col, reason }): MappingIssue => ({ line, col, reason })),
    },
  });
}

export function registerMappingRoutes(api: FastifyInstance, mappings: MappingsApi): void {
  // A raw YAML body (curl --data-binary @mappings/x.yaml -H 'content-type: text/yaml') is the mapping text.
  api.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_req, body, done) => done(null, body));

  api.get('/api/mappings', role('operator'), async () => ({ mappings: sends<MappingSummary[]>()(await mappings.list()) }));

  api.get('/api/mappings/:name', role('operator'), async (req) => {
    const { name } = parse(nameParams, req.params, 'mapping name');
    return sends<MappingDetail>()(await mappings.get(name));
  });

  api.get('/api/mappings/:name/versions', role('operator'), async (req) => {
    const { name } = parse(nameParams, req.params, 'mapping name');
    const detail = await mappings.get(name);
    return { name, version: detail.version, versions: sends<MappingVersion[]>()(detail.versions) };
  });

  api.get('/api/mappings/:name/versions/:version', role('operator'), async (req) => {
    const { name, version } = parse(versionParams, req.params, 'mapping version');
    const saved = await mappings.version(name, version);
    if (!saved) throw new EngineError('NOT_FOUND', `mapping ${name} has no version ${version}`);
    return sends<MappingVersionText>()({ name, ...saved });
  });

  api.post('/api/mappings/:name/rollback', role('admin'), async (req, reply) => {
    const { name } = parse(nameParams, req.params, 'mapping name');
    const { version } = parse(rollbackBody, req.body ?? undefined, 'body');
    const old = await mappings.version(name, version);
    if (!old) throw new EngineError('NOT_FOUND', `mapping ${name} has no version ${version}`);
    try {
      // A rollback brings back a version that was live before: its test run is the admin's call, not a gate.
      const saved = await mappings.save(name, old.content, actorOf(req), { tests: 'skip' });
      await audit(
        req,
        'mapping.save',
        { type: 'mapping', id: name },
        { version: saved.version, sha256: saved.sha256, rollbackOf: version },
      );
      return sends<SavedMapping>()({ ...saved, rolledBackTo: version });
    } catch (err) {
      // A version saved under an older engine may no longer validate (a function or key removed since).
      if (err instanceof ConfigError) return invalidMapping(reply, name, err);
      throw err;
    }
  });

  api.put('/api/mappings/:name', role('admin'), async (req, reply) => {
    const { name } = parse(nameParams, req.params, 'mapping name');
    const body = parse(saveBody, req.body, 'body');
    const update = typeof body !== 'string' && body.updateExpected === true;
    try {
      const saved = await mappings.save(name, typeof body === 'string' ? body : body.content, actorOf(req), {
        tests: update ? 'update' : 'check',
      });
      await audit(req, 'mapping.save', { type: 'mapping', id: name }, { version: saved.version, sha256: saved.sha256 });
      if (saved.testsUpdated) {
        await audit(
          req,
          'mapping.tests.update',
          { type: 'mapping', id: name },
          {
            version: saved.version,
            files: saved.testsUpdated.map((t) => ({ file: t.file, cases: [...t.cases] })),
          },
        );
      }
      return sends<SavedMapping>()(saved);
    } catch (err) {
      if (err instanceof ConfigError) return invalidMapping(reply, name, err);
      if (err instanceof MappingTestsFailed) return failingTests(reply, err);
      throw err;
    }
  });

  // The answer holds patient data (the records each message maps to): it is a view of PHI, and the audit
  // trail must record who previewed which messages. Never log the records or the messages.
  api.post('/api/mappings/:name/preview', role('admin'), async (req, reply) => {
    const { name } = parse(nameParams, req.params, 'mapping name');
    const body = parse(previewBody, req.body ?? undefined, 'body') ?? {};
    try {
      const result = await mappings.preview(name, body);
      await audit(
        req,
        'mapping.preview',
        { type: 'mapping', id: name },
        {
          messageIds: result.messages.flatMap((m) => (m.messageId === null ? [] : [m.messageId])),
          givenMessage: body.raw !== undefined,
          candidate: body.content !== undefined,
        },
      );
      return sends<PreviewResult>()(result);
    } catch (err) {
      if (err instanceof ConfigError) return invalidMapping(reply, name, err);
      throw err;
    }
  });
}
