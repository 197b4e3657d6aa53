using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class Images : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "image_id",
                schema: "blockstore",
                table: "volumes",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "image_metadata",
                schema: "blockstore",
                table: "volumes",
                type: "jsonb",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "images",
                schema: "blockstore",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    visibility = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    @protected = table.Column<bool>(name: "protected", type: "boolean", nullable: false),
                    disk_format = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    container_format = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    min_disk = table.Column<int>(type: "integer", nullable: false),
                    min_ram = table.Column<int>(type: "integer", nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: true),
                    virtual_size = table.Column<long>(type: "bigint", nullable: true),
                    checksum = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    hash_value = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    properties = table.Column<string>(type: "jsonb", nullable: false),
                    killed_reason = table.Column<string>(type: "text", nullable: true),
                    source_volume_id = table.Column<Guid>(type: "uuid", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    status_changed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_images", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_images_created_at_id",
                schema: "blockstore",
                table: "images",
                columns: new[] { "created_at", "id" },
                descending: new bool[0]);

            migrationBuilder.CreateIndex(
                name: "ix_images_status_status_changed_at",
                schema: "blockstore",
                table: "images",
                columns: new[] { "status", "status_changed_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "images",
                schema: "blockstore");

            migrationBuilder.DropColumn(
                name: "image_id",
                schema: "blockstore",
                table: "volumes");

            migrationBuilder.DropColumn(
                name: "image_metadata",
                schema: "blockstore",
                table: "volumes");
        }
    }
}
