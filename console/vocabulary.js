// Topics, teaching methods, kinds and offices by their Chinese names (codes in
// English mode).

import { api, auth } from './api.js';
import { I18N, lang } from './i18n.js';

/** The API's topics, teaching methods and cities, read once. */
export const vocabulary = { topics: null, methods: null, cities: null };

/** Reads the topics, teaching methods and cities if not read yet. */
export async function loadVocabulary() {
  if (!vocabulary.topics) {
    vocabulary.topics = await api('GET', '/api/v1/topics');
    vocabulary.methods = await api('GET', '/api/v1/teaching-methods');
    vocabulary.cities = await api('GET', '/api/v1/cities');
  }
  return vocabulary;
}

/** A topic by its name (its code in English mode). */
export const topicName = (code) => (lang === 'zh' ? vocabulary.topics?.find((x) => x.code === code)?.name : null) || code;

/** A rule of eligibility or of the model (the API's `rule` codes) by its name. */
export const ruleName = (code) => I18N[lang].rules[code] || code;
/** Why someone cannot take a session: the rule by its Chinese name (the
 * API's English detail is for English mode and tooltips), or the detail. */
export const reason = (rule, detail) => (lang === 'zh' && I18N.zh.rules[rule] ? I18N.zh.rules[rule] : `${detail}（${ruleName(rule)}）`);
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
