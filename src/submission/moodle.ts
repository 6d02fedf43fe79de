/**
 * Moodle's "Download all submissions" archive, split into one upload per student for a
 * batch import (`autograder import`).
 *
 * Moodle names each student's folder `<Full Name>_<participant id>_assignsubmission_file_/`
 * (the files keep their sub-folders), or, with "download submissions in folders" off,
 * prefixes each file: `<Full Name>_<participant id>_assignsubmission_file_<file>`.
 * Moodle replaces `_` in names by spaces, so the first `_<digits>_assignsubmission_`
 * ends the name. The participant id is Moodle's per-assignment identifier of the student
 * (also under blind marking, where the name is "Participant"), not the user id or the
 * student number: match it to users through the assignment's grading worksheet.
 * Folders of other submission plugins (`assignsubmission_onlinetext_`) are skipped.
 */
import { UsageError } from '../errors.js';
import { resolveLimits, type UnpackLimitsInput } from './limits.js';
import { unpackFiles, unpackUpload, type UnpackedFile, type UnpackedUpload } from './unpack.js';
import { readZip } from './zip.js';

export interface MoodleSubmission {
  /** The student's full name as Moodle wrote it ("Participant" under blind marking). */
  name: string;
  /** Moodle's participant identifier for this assignment. */
  participantId: string;
  /** The student's files, paths relative to their submission folder. */
  files: UnpackedFile[];
}

export interface MoodleArchive {
  /** One per student, in the order of their participant ids. */
  submissions: MoodleSubmission[];
  /** Entries that are not file submissions, with why, for the import to report. */
  skipped: Array<{ path: string; reason: string }>;
}

const MiB = 1024 * 1024;

/**
 * The outer archive holds a whole class; each student's upload is checked with the normal
 * limits later (`unpackMoodleSubmission`). Students' own zips are already compressed, so
 * the ratio check here only catches real bombs.
 * @defaultValue 1 GiB archive, 2 GiB unpacked, 20000 files
 */
export const MOODLE_ARCHIVE_LIMITS: UnpackLimitsInput = {
  maxUploadBytes: 1024 * MiB,
  maxTotalBytes: 2048 * MiB,
  maxFiles: 20_000,
  maxEntries: 40_000,
  maxCompressionRatio: 1100,
};

const PREFIX = /^(?<name>.+?)_(?<id>\d+)_assignsubmission_(?<plugin>[a-z0-9]+)_(?<rest>.*)$/;

export async function parseMoodleArchive(bytes: Uint8Array, overrides: UnpackLimitsInput = {}): Promise<MoodleArchive> {
  const limits = resolveLimits({ ...MOODLE_ARCHIVE_LIMITS, ...overrides });
  const files = await readZip(bytes, { limits });
  const byParticipant = new Map<string, MoodleSubmission>();
  const skipped: MoodleArchive['skipped'] = [];

  for (const file of files) {
    const [head, ...tail] = file.path.split('/');
    const match = PREFIX.exec(head ?? '');
    if (match?.groups === undefined) {
      skipped.push({ path: file.path, reason: 'not in a Moodle submission folder (<name>_<id>_assignsubmission_file_)' });
      continue;
    }
    const { name, id, plugin, rest } = match.groups as { name: string; id: string; plugin: string; rest: string };
    if (plugin !== 'file') {
      skipped.push({ path: file.path, reason: `a ${plugin} submission, not a file` });
      continue;
    }
    // Folder layout: the prefix is the whole first segment. Flat layout: the file name follows it.
    const path = tail.length > 0 && rest === '' ? tail.join('/') : tail.length === 0 && rest !== '' ? rest : undefined;
    if (path === undefined) {
      skipped.push({ path: file.path, reason: 'unexpected layout inside a Moodle submission folder' });
      continue;
    }
    let submission = byParticipant.get(id);
    if (submission === undefined) {
      submission = { name: name.trim(), participantId: id, files: [] };
      byParticipant.set(id, submission);
    }
    submission.files.push({ path, bytes: file.bytes });
  }

  if (byParticipant.size === 0) {
    throw new UsageError(
      'NOT_A_MOODLE_ARCHIVE',
      'the archive holds no Moodle file submissions (folders named <name>_<id>_assignsubmission_file_); ' +
        'download it with "Download all submissions" on the assignment page',
    );
  }
  const submissions = [...byParticipant.values()].sort((a, b) => Number(a.participantId) - Number(b.participantId));
  return { submissions, skipped };
}

/**
 * One student's upload, checked like a direct upload: a single file is unpacked as if
 * uploaded (a notebook or a zip); several files are taken as notebook plus model files.
 */
export async function unpackMoodleSubmission(submission: MoodleSubmission, overrides: UnpackLimitsInput = {}): Promise<UnpackedUpload> {
  const [only, ...others] = submission.files;
  if (only !== undefined && others.length === 0) return unpackUpload(only.path, only.bytes, overrides);
  return unpackFiles(submission.files, overrides);
}
