# BlockStore images; one per target: api, worker, migrate.
#   docker build -f docker/app.Dockerfile --target api .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/BlockStore.Api -c Release -o /out/api \
 && dotnet publish src/BlockStore.Worker -c Release -o /out/worker \
 && dotnet publish migrations/BlockStore.Migrations -c Release -o /out/migrate

# librbd/librados are loaded at run time by BlockStore.Rbd.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends librbd1 librados2 \
 && rm -rf /var/lib/apt/lists/*
# The file backend's folder; a new named volume takes its owner from here.
RUN mkdir -p /var/lib/blockstore/file-volumes && chown "$APP_UID" /var/lib/blockstore/file-volumes
WORKDIR /app
USER $APP_UID
# Process tuning for RSS, measured in docs/benchmarks.md; scripts/lib/app.sh sets the same for scripts/run.
# A fixed gen0 budget (by default it follows the L3 size, which large hosts report in hundreds of MiB); no
# double mapping of JIT'd code (W^X costs each process about 50 MiB of shared pages); two malloc arenas; and
# a fixed mmap threshold, so librados' freed multi-MiB buffers go back to the kernel instead of the heap
# (lower in the api target, below).
ENV DOTNET_GCgen0size=0x800000 \
    DOTNET_EnableWriteXorExecute=0 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072

FROM runtime AS api
COPY --from=build /out/api /app
# The API's large native blocks are the JIT's 64 KiB arena pages: a lower threshold returns them too.
ENV ASPNETCORE_URLS=http://+:8776 \
    MALLOC_MMAP_THRESHOLD_=32768
EXPOSE 8776
ENTRYPOINT ["dotnet", "BlockStore.Api.dll"]

FROM runtime AS worker
COPY --from=build /out/worker /app
ENTRYPOINT ["dotnet", "BlockStore.Worker.dll"]

# Applies the EF Core migrations to ConnectionStrings__BlockStore, then exits.
FROM runtime AS migrate
COPY --from=build /out/migrate /app
ENTRYPOINT ["dotnet", "BlockStore.Migrations.dll"]
