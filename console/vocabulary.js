// Topics, teaching methods, kinds and offices by their Chinese names (codes in
// English mode).

import { api, auth } from './api.js';
import { I18N, lang } from './i18n.js';

/** The API's topics and teaching methods, read once. */
export const vocabulary = { topics: null, methods: null };

/** Reads the topics and teaching methods if not read yet. */
export async function loadVocabulary() {
  if (!vocabulary.topics) {
    vocabulary.topics = await api('GET', '/api/v1/topics');
    vocabulary.methods = await api('GET', '/api/v1/teaching-methods');
  }
  return vocabulary;
}

/** A topic by its name (its code in English mode). */
export const topicName = (code) => (lang === 'zh' ? vocabulary.topics?.find((x) => x.code === code)?.name : null) || code;

/**
 * Topics with levels as an office types them (`办信:4；接访:3`, by code or
 * Chinese name, `；;,，` between, `:：` before the level), as `{topic, [key]}`;
 * a missing level is `fallback`.
 */
export function topicLevels(text, key, fallback) {
  return text.split(/[；;,，]/).map((v) => v.trim()).filter(Boolean).map((v) => {
    const [topic, level] = v.split(/[:：]/).map((x) => x.trim());
    const code = vocabulary.topics.find((y) => y.code === topic || y.name === topic)?.code || topic;
    return { topic: code, [key]: Number(level || fallback) };
  });
}

/** A rule of eligibility or of the model (the API's `rule` codes) by its name. */
export const ruleName = (code) => I18N[lang].rules[code] || code;
/** An instructor kind by its name. */
export const kindName = (code) => I18N[lang].kinds[code] || code;

/** An office tier by its name. */
export const tierName = (code) => I18N[lang].officeTiers[code] || code;

/** A pool's visibility by its name. */
export const visibilityName = (code) => I18N[lang].visibilities[code] || code;

/** The offices of the signed-in account's subtree (depth first), read once
 * per sign-in and again after a change; none for an instructor. */
export async function offices() {
  if (auth.me.role === 'instructor') return [];
  auth.offices ??= await api('GET', '/api/v1/offices');
  return auth.offices;
}

/** An office's name from a list of offices, else its id. */
export const officeName = (list, id) => list.find((o) => o.id === id)?.name || id;
