/** The advisory-lock namespace of instance ids ('tg'); see InstanceLivenessService. */
export const INSTANCE_LOCK_NAMESPACE = 0x7467;
