/** The limited feature that counts a user's projects. */
export const PROJECTS_FEATURE = 'projects';
