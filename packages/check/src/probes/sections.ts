/** The six sections of the readiness checklist, in the order they are reported. */
export const SECTIONS = [
  { id: 'fails-gracefully', title: 'Fails gracefully' },
  { id: 'predictable', title: 'Predictable' },
  { id: 'observable', title: 'Observable' },
  { id: 'protects-itself', title: 'Protects itself' },
  { id: 'scales', title: 'Scales without surprises' },
  { id: 'documented', title: 'Documented' },
] as const;

export type SectionId = (typeof SECTIONS)[number]['id'];

/** The human title of a section. */
export function sectionTitle(id: SectionId): string {
  return SECTIONS.find((section) => section.id === id)?.title ?? id;
}
