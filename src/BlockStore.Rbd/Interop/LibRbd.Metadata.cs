using System.Runtime.InteropServices;
using BlockStore.Rbd.Handles;

namespace BlockStore.Rbd.Interop;

internal static unsafe partial class LibRbd
{
    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_metadata_set(RbdImageHandle image, string key, string value);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_metadata_remove(RbdImageHandle image, string key);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_metadata_list(
        RbdImageHandle image, string start, ulong max, byte* keys, nuint* key_len, byte* values, nuint* vals_len);
}
