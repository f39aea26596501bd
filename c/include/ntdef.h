/* Copyright 2026 the wskemu authors. MIT license.
 * ntdef.h for wskemu: the basic NT types, with WDK names, for wasm32 (ILP32).
 * Pointers, ULONG_PTR, SIZE_T and HANDLE are 32-bit, as on 32-bit Windows;
 * LONG/ULONG are 32-bit and WCHAR is 16-bit (build with -fshort-wchar). */
#ifndef _WSKEMU_NTDEF_H
#define _WSKEMU_NTDEF_H

#ifndef __wasm32__
#error "wskemu headers target wasm32 (clang --target=wasm32)"
#endif

#define NTAPI
#define NTSYSAPI
#define NTKERNELAPI
#define NTHALAPI
#define WINAPI
#define FASTCALL
#define __stdcall
#define __cdecl
#define __fastcall
#define DECLSPEC_IMPORT
#define DECLSPEC_NORETURN __attribute__((noreturn))
#define DECLSPEC_ALIGN(x) __attribute__((aligned(x)))
#define FORCEINLINE static inline __attribute__((always_inline))
#define __forceinline inline __attribute__((always_inline))
#define __inline inline
#define EXTERN_C extern
#define CONST const
#define IN
#define OUT
#define OPTIONAL
#define UNALIGNED
#define RESTRICTED_POINTER
#define POINTER_32
#define POINTER_64
#define ANYSIZE_ARRAY 1
#define __declspec(x)
#define _Use_decl_annotations_
#define _Function_class_(x)
#define _IRQL_requires_(x)
#define _IRQL_requires_max_(x)
#define _IRQL_requires_min_(x)
#define _IRQL_requires_same_
#define _IRQL_always_function_min_(x)
#define _IRQL_always_function_max_(x)
#define _IRQL_saves_
#define _IRQL_restores_
#define _IRQL_raises_(x)
#define _IRQL_saves_global_(a, b)
#define _IRQL_restores_global_(a, b)
#define _Requires_lock_held_(x)
#define _Requires_lock_not_held_(x)
#define _Acquires_lock_(x)
#define _Releases_lock_(x)
#define _In_
#define _In_z_
#define _In_opt_
#define _In_opt_z_
#define _Inout_
#define _Inout_opt_
#define _Inout_z_
#define _Out_
#define _Out_opt_
#define _Outptr_
#define _Outptr_opt_
#define _Outptr_result_maybenull_
#define _Outptr_result_buffer_(x)
#define _Out_writes_(x)
#define _Out_writes_opt_(x)
#define _Out_writes_bytes_(x)
#define _Out_writes_bytes_opt_(x)
#define _Out_writes_bytes_to_(x, y)
#define _Out_writes_bytes_to_opt_(x, y)
#define _Out_writes_to_(x, y)
#define _Out_writes_z_(x)
#define _In_reads_(x)
#define _In_reads_opt_(x)
#define _In_reads_bytes_(x)
#define _In_reads_bytes_opt_(x)
#define _In_range_(a, b)
#define _Inout_updates_(x)
#define _Inout_updates_bytes_(x)
#define _Printf_format_string_
#define _Must_inspect_result_
#define _Check_return_
#define _Success_(x)
#define _Ret_maybenull_
#define _Ret_range_(a, b)
#define _When_(a, b)
#define _At_(a, b)
#define _Post_invalid_
#define _Post_writable_byte_size_(x)
#define _Post_satisfies_(x)
#define _Pre_notnull_
#define _Frees_ptr_
#define _Frees_ptr_opt_
#define _Field_size_(x)
#define _Field_size_bytes_(x)
#define _Field_size_bytes_part_(x, y)
#define _Field_range_(a, b)
#define _Field_z_
#define _Analysis_assume_(x)
#define _Analysis_assume_lock_held_(x)
#define _Dispatch_type_(x)
#define _Kernel_float_used_
#define _Null_terminated_
#define _NullNull_terminated_
#define _Reserved_
#define _Pre_
#define _Post_
#define _Notnull_
#define _Maybenull_
#define _Valid_
#define _Enum_is_bitflag_
#define _Strict_type_match_
#define _Interlocked_operand_
#define _Unreferenced_parameter_
#define _Writable_bytes_(x)
#define _Readable_bytes_(x)
#define __drv_aliasesMem
#define __drv_freesMem(x)
#define __drv_allocatesMem(x)
#define __drv_when(a, b)
#define __drv_maxIRQL(x)
#define __drv_dispatchType(x)
#define __drv_functionClass(x)
#define __in
#define __out
#define __inout
#define __in_opt
#define __out_opt
#define __in_bcount(x)
#define __out_bcount(x)
#define __checkReturn

#include <stddef.h> /* clang's own: size_t, NULL, offsetof */
#include <stdarg.h> /* clang's own: va_list */
#include <stdint.h>
#define FALSE 0
#define TRUE 1

typedef void VOID, *PVOID, **PPVOID;
typedef const void *PCVOID;
typedef char CHAR, *PCHAR, *PSTR, *LPSTR, CCHAR, *PCCHAR;
typedef const char *PCSTR, *LPCSTR, *PCSZ;
typedef unsigned char UCHAR, *PUCHAR, BYTE, *PBYTE, BOOLEAN, *PBOOLEAN;
typedef short SHORT, *PSHORT, CSHORT;
typedef unsigned short USHORT, *PUSHORT, WORD, *PWORD;
typedef int INT, *PINT, BOOL;
typedef unsigned int UINT, *PUINT;
typedef long LONG, *PLONG;
typedef unsigned long ULONG, *PULONG, DWORD, *PDWORD, LCID;
typedef long long LONGLONG, *PLONGLONG, LONG64, *PLONG64, INT64;
typedef unsigned long long ULONGLONG, *PULONGLONG, ULONG64, *PULONG64, DWORD64, UINT64, QWORD;
typedef signed char INT8;
typedef unsigned char UINT8;
typedef short INT16;
typedef unsigned short UINT16;
typedef int INT32;
typedef unsigned int UINT32, ULONG32, DWORD32;
typedef int LONG32;
typedef long INT_PTR, *PINT_PTR, LONG_PTR, *PLONG_PTR, SSIZE_T;
typedef unsigned long UINT_PTR, *PUINT_PTR, ULONG_PTR, *PULONG_PTR, DWORD_PTR, SIZE_T, *PSIZE_T;
typedef unsigned short WCHAR, *PWCHAR, *PWCH, *PWSTR, *LPWSTR;
typedef const unsigned short *PCWSTR, *LPCWSTR, *PCWCH;
typedef LONG NTSTATUS, *PNTSTATUS;
typedef void *HANDLE, **PHANDLE;
typedef ULONG ACCESS_MASK, *PACCESS_MASK;
typedef UCHAR KIRQL, *PKIRQL;
typedef CCHAR KPROCESSOR_MODE;
typedef LONG KPRIORITY;
typedef ULONG_PTR KAFFINITY;
typedef ULONG LOGICAL;
typedef double DOUBLE;
typedef ULONG_PTR KSPIN_LOCK, *PKSPIN_LOCK;

_Static_assert(sizeof(WCHAR) == 2, "WCHAR is 16-bit: build with -fshort-wchar");
_Static_assert(sizeof(L'x') == 2, "L\"\" literals are 16-bit: build with -fshort-wchar");
_Static_assert(sizeof(LONG) == 4, "LONG is 32-bit");
_Static_assert(sizeof(ULONG) == 4, "ULONG is 32-bit");
_Static_assert(sizeof(LONGLONG) == 8, "LONGLONG is 64-bit");
_Static_assert(sizeof(PVOID) == 4, "wasm32 pointers are 32-bit");
_Static_assert(sizeof(ULONG_PTR) == sizeof(PVOID), "ULONG_PTR holds a pointer");

typedef union _LARGE_INTEGER {
  struct {
    ULONG LowPart;
    LONG HighPart;
  };
  struct {
    ULONG LowPart;
    LONG HighPart;
  } u;
  LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
  struct {
    ULONG LowPart;
    ULONG HighPart;
  };
  struct {
    ULONG LowPart;
    ULONG HighPart;
  } u;
  ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

typedef LARGE_INTEGER PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;

typedef struct _LIST_ENTRY {
  struct _LIST_ENTRY *Flink;
  struct _LIST_ENTRY *Blink;
} LIST_ENTRY, *PLIST_ENTRY;

typedef struct _SINGLE_LIST_ENTRY {
  struct _SINGLE_LIST_ENTRY *Next;
} SINGLE_LIST_ENTRY, *PSINGLE_LIST_ENTRY;

typedef struct _UNICODE_STRING {
  USHORT Length;
  USHORT MaximumLength;
  PWCH Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING *PCUNICODE_STRING;

typedef struct _STRING {
  USHORT Length;
  USHORT MaximumLength;
  PCHAR Buffer;
} STRING, *PSTRING, ANSI_STRING, *PANSI_STRING, OEM_STRING, *POEM_STRING;
typedef const STRING *PCSTRING, *PCANSI_STRING;

typedef struct _GUID {
  ULONG Data1;
  USHORT Data2;
  USHORT Data3;
  UCHAR Data4[8];
} GUID, *PGUID, *LPGUID, UUID;
typedef const GUID *PCGUID, *LPCGUID;
#define REFGUID const GUID *
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
  extern const GUID name
#define IsEqualGUID(a, b) (__builtin_memcmp((a), (b), sizeof(GUID)) == 0)
#define InlineIsEqualGUID IsEqualGUID

typedef struct _OBJECT_ATTRIBUTES {
  ULONG Length;
  HANDLE RootDirectory;
  PUNICODE_STRING ObjectName;
  ULONG Attributes;
  PVOID SecurityDescriptor;
  PVOID SecurityQualityOfService;
} OBJECT_ATTRIBUTES, *POBJECT_ATTRIBUTES;
typedef CONST OBJECT_ATTRIBUTES *PCOBJECT_ATTRIBUTES;

#define OBJ_INHERIT 0x00000002L
#define OBJ_PERMANENT 0x00000010L
#define OBJ_EXCLUSIVE 0x00000020L
#define OBJ_CASE_INSENSITIVE 0x00000040L
#define OBJ_OPENIF 0x00000080L
#define OBJ_KERNEL_HANDLE 0x00000200L
#define InitializeObjectAttributes(p, n, a, r, s) \
  do {                                            \
    (p)->Length = sizeof(OBJECT_ATTRIBUTES);      \
    (p)->RootDirectory = (r);                     \
    (p)->Attributes = (a);                        \
    (p)->ObjectName = (n);                        \
    (p)->SecurityDescriptor = (s);                \
    (p)->SecurityQualityOfService = NULL;         \
  } while (0)

#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)
#define NT_INFORMATION(Status) ((((ULONG)(Status)) >> 30) == 1)
#define NT_WARNING(Status) ((((ULONG)(Status)) >> 30) == 2)
#define NT_ERROR(Status) ((((ULONG)(Status)) >> 30) == 3)

#define FIELD_OFFSET(type, field) ((LONG)__builtin_offsetof(type, field))
#define RTL_FIELD_SIZE(type, field) (sizeof(((type *)0)->field))
#define RTL_NUMBER_OF(A) (sizeof(A) / sizeof((A)[0]))
#define ARRAYSIZE(A) RTL_NUMBER_OF(A)
#define _countof(A) RTL_NUMBER_OF(A)
#define CONTAINING_RECORD(address, type, field) \
  ((type *)((PCHAR)(address) - (ULONG_PTR)(&((type *)0)->field)))
#define C_ASSERT(e) _Static_assert(e, #e)
#define UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))
#define MAXUSHORT 0xffff
#define MAXULONG 0xffffffffUL
#define MAXLONG 0x7fffffffL
#define MINLONG ((LONG)0x80000000L)
#define MAXUCHAR 0xff
#define MAXSIZE_T ((SIZE_T)~((SIZE_T)0))
#define MAXLONGLONG (0x7fffffffffffffffLL)
#define min(a, b) (((a) < (b)) ? (a) : (b))
#define max(a, b) (((a) > (b)) ? (a) : (b))
#define LOWORD(l) ((USHORT)(((ULONG_PTR)(l)) & 0xffff))
#define HIWORD(l) ((USHORT)((((ULONG_PTR)(l)) >> 16) & 0xffff))
#define LOBYTE(w) ((UCHAR)(((ULONG_PTR)(w)) & 0xff))
#define HIBYTE(w) ((UCHAR)((((ULONG_PTR)(w)) >> 8) & 0xff))

/* SEH does not exist on wasm32: a __try body runs, an __except/__finally
 * handler never does. A fault Windows would raise inside __try is a bug check
 * here (see docs/porting.md). */
#define __try if (1)
#define __except(x) else if (0)
#define __finally if (1)
#define __leave
#define _SEH2_TRY __try
#define EXCEPTION_EXECUTE_HANDLER 1
#define EXCEPTION_CONTINUE_SEARCH 0
#define EXCEPTION_CONTINUE_EXECUTION (-1)
#define GetExceptionCode() ((NTSTATUS)0)
#define GetExceptionInformation() ((PVOID)0)
#define _exception_code() ((NTSTATUS)0)

#endif
