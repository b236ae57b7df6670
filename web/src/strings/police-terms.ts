/**
 * The glossary: police terms as the command room and the officers say them, in one place for
 * both pages. The string tables (en.ts, zh-CN.ts) build their lines from these words, so the
 * dispatcher's desk and the officer's phone cannot name one thing two ways.
 *
 * RETIRED holds words that read wrong to police and must not come back (ride-hailing's 接单, the
 * lay-off sense of 下岗/离岗, ...), each with the term that replaces it: tests/web/police-terms.test.ts
 * fails when one appears anywhere in web/ or server/ that a user reads, and the browser tests
 * fail when one is on screen.
 */

export const TERMS = {
  /** the officer takes the job (not 接单: that is a taxi driver's) */
  signFor: { en: 'Accept', zh: '签收' },
  signedFor: { en: 'Accepted', zh: '已签收' },
  onDuty: { en: 'ON DUTY', zh: '在岗' },
  offDuty: { en: 'OFF DUTY', zh: '未在岗' },
  startDuty: { en: 'Start duty', zh: '开始执勤' },
  endDuty: { en: 'End duty', zh: '结束执勤' },
  /** the officers' phone page */
  officerApp: { en: 'Officer', zh: '民警端' },
  officer: { en: 'officer', zh: '民警' },
  /** sending officers to an incident */
  dispatch: { en: 'Dispatch', zh: '派警' },
  dispatched: { en: 'officers dispatched', zh: '已派警' },
  /** 警情: something on the ground that officers go to; 告警: what an aircraft reports */
  incident: { en: 'incident', zh: '警情' },
  newIncident: { en: 'New incident', zh: '新建警情' },
  aircraftAlert: { en: 'alert', zh: '告警' },
  /** a drone no pilot controls, and giving control up */
  notTakenOver: { en: 'No pilot in command', zh: '未接管' },
  handOverControl: { en: 'Release control', zh: '交出控制权' },
  /** how an incident ended (处置结果), and its values: the officer's resolve and the dispatcher's close say them alike */
  outcome: { en: 'Outcome', zh: '处置结果' },
  outcome_handled: { en: 'Handled', zh: '已处置' },
  outcome_warned: { en: 'Warned and educated', zh: '警告教育' },
  outcome_handed_over: { en: 'Handed over', zh: '移交' },
  outcome_unfounded: { en: 'Unfounded', zh: '无效警情' },
  outcome_other: { en: 'Other', zh: '其他' },
} as const;

/** Old word → the glossary's term for it. Only the words, not the sentences they were in. */
export const RETIRED: Record<string, string> = {
  接单: TERMS.signFor.zh,
  下岗: TERMS.endDuty.zh,
  上岗: TERMS.startDuty.zh,
  离岗: TERMS.offDuty.zh,
  警员: TERMS.officer.zh,
  通知民警: TERMS.dispatch.zh,
  地面警情: TERMS.incident.zh,
  无人掌控: TERMS.notTakenOver.zh,
  释放控制: TERMS.handOverControl.zh,
};
