/* A Lua 5.4 interpreter for WASI: the core and the pure-computation libraries of the
 * release lupa bundles, running the script it reads from a file (argv[1]) or stdin.
 *
 * wasi-libc has no setjmp/longjmp, so the build turns Lua's error unwinding into abort()
 * (-DLUAI_THROW...): a script that raises an error ends the program instead of reaching
 * its pcall. The benchmark scripts raise none. The io, os, package and debug libraries
 * are left out (processes, temporary files, dynamic loading: not WASI preview 1's). */
#include <stdio.h>
#include <stdlib.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

static const luaL_Reg libs[] = {
    {LUA_GNAME, luaopen_base}, {LUA_COLIBNAME, luaopen_coroutine}, {LUA_TABLIBNAME, luaopen_table},
    {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math}, {LUA_UTF8LIBNAME, luaopen_utf8},
    {NULL, NULL}};

int main(int argc, char **argv) {
    lua_State *L = luaL_newstate();
    if (L == NULL) return 1;
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    if (luaL_loadfile(L, argc > 1 ? argv[1] : NULL) != LUA_OK) {
        fprintf(stderr, "lua: %s\n", lua_tostring(L, -1));
        return 1;
    }
    lua_call(L, 0, 0);
    lua_close(L);
    return 0;
}
