/* wasi-libc has no setjmp.h: Lua's ldo.c includes it, but the build defines LUAI_THROW,
 * LUAI_TRY and luai_jmpbuf so that nothing from it is used (see lua_main.c). */
