import { TypeOrmModule } from '@nestjs/typeorm';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyEntity, SessionEntity, SignInThrottleEntity, UserEntity } from './auth.entities';
import { SetupCodeEntity } from './setup-code.entity';
import { TaxpayersModule } from '../taxpayers/taxpayers.module';
import { AdminLists, AdminListsController } from './admin-lists';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { ApiKeysRepository } from './api-keys.repository';
import { SessionsRepository } from './sessions.repository';
import { SetupCodesRepository } from './setup-codes.repository';
import { SignInThrottlesRepository } from './sign-in-throttles.repository';
import { UsersRepository } from './users.repository';
import { SessionUsers } from './session-users';
import { SetupController } from './setup.controller';
import { SetupService } from './setup.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, SessionEntity, ApiKeyEntity, SignInThrottleEntity, SetupCodeEntity]), TaxpayersModule],
  controllers: [AuthController, AdminListsController, SetupController],
  providers: [
    AuthService,
    AdminLists,
    SessionUsers,
    SetupService,
    UsersRepository,
    ApiKeysRepository,
    SessionsRepository,
    SignInThrottlesRepository,
    SetupCodesRepository,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService],
})
export class AuthModule {}
