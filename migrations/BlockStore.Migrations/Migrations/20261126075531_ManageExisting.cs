using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class ManageExisting : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "managing_from",
                schema: "blockstore",
                table: "volumes",
                type: "character varying(255)",
                maxLength: 255,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "manageable_images",
                schema: "blockstore",
                columns: table => new
                {
                    backend = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    watchers = table.Column<int>(type: "integer", nullable: false),
                    snapshots = table.Column<int>(type: "integer", nullable: false),
                    parent = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    scanned_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    problem = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_manageable_images", x => new { x.backend, x.name });
                });

            migrationBuilder.CreateIndex(
                name: "ix_volumes_backend_managing_from",
                schema: "blockstore",
                table: "volumes",
                columns: new[] { "backend", "managing_from" },
                unique: true,
                filter: "managing_from IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "manageable_images",
                schema: "blockstore");

            migrationBuilder.DropIndex(
                name: "ix_volumes_backend_managing_from",
                schema: "blockstore",
                table: "volumes");

            migrationBuilder.DropColumn(
                name: "managing_from",
                schema: "blockstore",
                table: "volumes");
        }
    }
}
