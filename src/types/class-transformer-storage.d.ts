/** class-transformer's metadata storage: its package ships the module and its types at different paths. */
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
